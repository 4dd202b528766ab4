import NoaCore

extension HostMetricsSource: MetricProducer {}
