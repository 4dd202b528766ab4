import NoaCodecs
import NoaCore
@testable import NoaSources
import Testing

/// Parity with node_exporter on a captured host: the files below were captured from the Debian 12 VM this
/// agent is developed on (kernel 6.18, 2 vCPUs, KVM), and `nodeExporterSeries` is every series identity that
/// Debian's node_exporter 1.5.0 exposed for these collectors on that VM at the same time (values dropped;
/// `time_zone` depends on the test host). Family names, types, label names and label values must match.
@Suite struct NodeExporterParityTests {
    static let capturedFiles: [(String, String)] = [
        ("proc/stat", #"""
cpu  54798 0 13459 98680 600 0 145 24 0 0
cpu0 25534 0 6345 51787 91 0 24 9 0 0
cpu1 29264 0 7114 46892 509 0 121 14 0 0
intr 530500 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 1 17 0 0 0 0 168 89 0 26 1 118850 0 1041 648 0 5080 7109 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
ctxt 971324
btime 1795791385
processes 37096
procs_running 2
procs_blocked 0
softirq 429574 0 57631 4 1949 118848 0 3 71403 0 179736

"""#),
        ("proc/meminfo", #"""
MemTotal:       24684084 kB
MemFree:        22272048 kB
MemAvailable:   24114452 kB
Buffers:           28808 kB
Cached:          1959944 kB
SwapCached:            0 kB
Active:          1039628 kB
Inactive:        1050172 kB
Active(anon):       1536 kB
Inactive(anon):   108388 kB
Active(file):    1038092 kB
Inactive(file):   941784 kB
Unevictable:       12856 kB
Mlocked:           11892 kB
SwapTotal:             0 kB
SwapFree:              0 kB
Zswap:                 0 kB
Zswapped:              0 kB
Dirty:             94152 kB
Writeback:             0 kB
AnonPages:        114008 kB
Mapped:           215440 kB
Shmem:              8872 kB
KReclaimable:     157972 kB
Slab:             186520 kB
SReclaimable:     157972 kB
SUnreclaim:        28548 kB
KernelStack:        1680 kB
PageTables:         2924 kB
SecPageTables:         0 kB
NFS_Unstable:          0 kB
Bounce:                0 kB
WritebackTmp:          0 kB
CommitLimit:    12342040 kB
Committed_AS:     382164 kB
VmallocTotal:   34359738367 kB
VmallocUsed:       14460 kB
VmallocChunk:          0 kB
Percpu:              688 kB
AnonHugePages:         0 kB
ShmemHugePages:        0 kB
ShmemPmdMapped:        0 kB
FileHugePages:      2048 kB
FilePmdMapped:         0 kB
Balloon:               0 kB
HugePages_Total:       0
HugePages_Free:        0
HugePages_Rsvd:        0
HugePages_Surp:        0
Hugepagesize:       2048 kB
Hugetlb:               0 kB
DirectMap4k:       28672 kB
DirectMap2M:     2068480 kB
DirectMap1G:    25165824 kB

"""#),
        ("proc/vmstat", #"""
nr_free_pages 1156799
nr_free_pages_blocks 908288
nr_zone_inactive_anon 27097
nr_zone_active_anon 384
nr_zone_inactive_file 235446
nr_zone_active_file 259523
nr_zone_unevictable 3214
nr_zone_write_pending 23538
nr_mlock 2973
nr_zspages 0
nr_free_cma 0
numa_hit 22337277
numa_miss 0
numa_foreign 0
numa_interleave 1142
numa_local 22337277
numa_other 0
nr_inactive_anon 27097
nr_active_anon 384
nr_inactive_file 235446
nr_active_file 259523
nr_unevictable 3214
nr_slab_reclaimable 39493
nr_slab_unreclaimable 7137
nr_isolated_anon 0
nr_isolated_file 0
workingset_nodes 8201
workingset_refault_anon 0
workingset_refault_file 217813
workingset_activate_anon 0
workingset_activate_file 93840
workingset_restore_anon 0
workingset_restore_file 0
workingset_nodereclaim 0
nr_anon_pages 28502
nr_mapped 53860
nr_file_pages 497188
nr_dirty 23538
nr_writeback 0
nr_shmem 2218
nr_shmem_hugepages 0
nr_shmem_pmdmapped 0
nr_file_hugepages 1
nr_file_pmdmapped 0
nr_anon_transparent_hugepages 0
nr_vmscan_write 0
nr_vmscan_immediate_reclaim 9323
nr_dirtied 1265595
nr_written 932816
nr_throttled_written 0
nr_kernel_misc_reclaimable 0
nr_foll_pin_acquired 0
nr_foll_pin_released 0
nr_kernel_stack 1680
nr_page_table_pages 731
nr_sec_page_table_pages 0
nr_iommu_pages 0
nr_swapcached 0
pgpromote_success 0
pgpromote_candidate 0
pgpromote_candidate_nrl 0
pgdemote_kswapd 0
pgdemote_direct 0
pgdemote_khugepaged 0
pgdemote_proactive 0
nr_hugetlb 0
nr_balloon_pages 0
nr_kernel_file_pages 0
nr_dirty_threshold 1205708
nr_dirty_background_threshold 602118
nr_memmap_pages 0
nr_memmap_boot_pages 98304
pgpgin 2322589
pgpgout 3849616
pswpin 0
pswpout 0
pgalloc_dma 0
pgalloc_dma32 0
pgalloc_normal 23137251
pgalloc_movable 0
pgalloc_device 0
allocstall_dma 0
allocstall_dma32 0
allocstall_normal 0
allocstall_movable 0
allocstall_device 0
pgskip_dma 0
pgskip_dma32 0
pgskip_normal 0
pgskip_movable 0
pgskip_device 0
pgfree 24316577
pgactivate 393716
pgdeactivate 0
pglazyfree 0
pgfault 27395377
pgmajfault 6317
pglazyfreed 0
pgrefill 0
pgreuse 512876
pgsteal_kswapd 0
pgsteal_direct 0
pgsteal_khugepaged 0
pgsteal_proactive 0
pgscan_kswapd 0
pgscan_direct 0
pgscan_khugepaged 0
pgscan_proactive 0
pgscan_direct_throttle 0
pgscan_anon 0
pgscan_file 0
pgsteal_anon 0
pgsteal_file 0
zone_reclaim_success 0
zone_reclaim_failed 0
pginodesteal 0
slabs_scanned 283
kswapd_inodesteal 0
kswapd_low_wmark_hit_quickly 0
kswapd_high_wmark_hit_quickly 0
pageoutrun 0
pgrotated 7201
drop_pagecache 1
drop_slab 2
oom_kill 0
numa_pte_updates 0
numa_huge_pte_updates 0
numa_hint_faults 0
numa_hint_faults_local 0
numa_pages_migrated 0
pgmigrate_success 0
pgmigrate_fail 0
thp_migration_success 0
thp_migration_fail 0
thp_migration_split 0
compact_migrate_scanned 0
compact_free_scanned 0
compact_isolated 0
compact_stall 0
compact_fail 0
compact_success 0
compact_daemon_wake 0
compact_daemon_migrate_scanned 0
compact_daemon_free_scanned 0
htlb_buddy_alloc_success 0
htlb_buddy_alloc_fail 0
unevictable_pgs_culled 22726
unevictable_pgs_scanned 0
unevictable_pgs_rescued 19512
unevictable_pgs_mlocked 22668
unevictable_pgs_munlocked 19695
unevictable_pgs_cleared 0
unevictable_pgs_stranded 0
thp_fault_alloc 0
thp_fault_fallback 0
thp_fault_fallback_charge 0
thp_collapse_alloc 0
thp_collapse_alloc_failed 0
thp_file_alloc 0
thp_file_fallback 0
thp_file_fallback_charge 0
thp_file_mapped 201
thp_split_page 0
thp_split_page_failed 0
thp_deferred_split_page 0
thp_underused_split_page 0
thp_split_pmd 0
thp_scan_exceed_none_pte 0
thp_scan_exceed_swap_pte 0
thp_scan_exceed_share_pte 0
thp_split_pud 0
thp_zero_page_alloc 0
thp_zero_page_alloc_failed 0
thp_swpout 0
thp_swpout_fallback 0
balloon_inflate 0
balloon_deflate 0
balloon_migrate 0
swap_ra 0
swap_ra_hit 0
swpin_zero 0
swpout_zero 0
ksm_swpin_copy 0
cow_ksm 0
zswpin 0
zswpout 0
zswpwb 0
direct_map_level2_splits 4
direct_map_level3_splits 0
direct_map_level2_collapses 0
direct_map_level3_collapses 0
nr_unstable 0

"""#),
        ("proc/pressure/cpu", #"""
some avg10=17.13 avg60=13.45 avg300=16.17 total=163924967
full avg10=0.00 avg60=0.00 avg300=0.00 total=0

"""#),
        ("proc/pressure/io", #"""
some avg10=0.19 avg60=0.21 avg300=0.32 total=6127204
full avg10=0.18 avg60=0.09 avg300=0.13 total=4507808

"""#),
        ("proc/pressure/memory", #"""
some avg10=0.00 avg60=0.00 avg300=0.00 total=0
full avg10=0.00 avg60=0.00 avg300=0.00 total=0

"""#),
        ("proc/sys/kernel/ostype", #"""
Linux

"""#),
        ("proc/sys/kernel/osrelease", #"""
6.18.44-fc-v669

"""#),
        ("proc/sys/kernel/version", #"""
#1 SMP PREEMPT_DYNAMIC @0

"""#),
        ("proc/sys/kernel/hostname", #"""
vm

"""#),
        ("proc/sys/kernel/domainname", #"""
(none)

"""#),
        ("proc/sys/kernel/arch", #"""
x86_64

"""#),
        ("proc/sys/kernel/random/entropy_avail", #"""
256

"""#),
        ("proc/sys/kernel/random/poolsize", #"""
256

"""#),
        ("proc/sys/fs/file-nr", #"""
595	0	2466170

"""#),
        ("sys/devices/system/clocksource/clocksource0/available_clocksource", #"""
tsc kvm-clock 

"""#),
        ("sys/devices/system/clocksource/clocksource0/current_clocksource", #"""
tsc

"""#),
        ("sys/devices/system/cpu/cpu1/online", #"""
1

"""#),
        ("sys/devices/system/cpu/isolated", #"""


"""#),
        ("etc/os-release", #"""
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"

"""#),
    ]

    static let nodeExporterSeries: [String] = [
        ##"node_boot_time_seconds"##,
        ##"node_context_switches_total"##,
        ##"node_cpu_guest_seconds_total{cpu="0",mode="nice"}"##,
        ##"node_cpu_guest_seconds_total{cpu="0",mode="user"}"##,
        ##"node_cpu_guest_seconds_total{cpu="1",mode="nice"}"##,
        ##"node_cpu_guest_seconds_total{cpu="1",mode="user"}"##,
        ##"node_cpu_seconds_total{cpu="0",mode="idle"}"##,
        ##"node_cpu_seconds_total{cpu="0",mode="iowait"}"##,
        ##"node_cpu_seconds_total{cpu="0",mode="irq"}"##,
        ##"node_cpu_seconds_total{cpu="0",mode="nice"}"##,
        ##"node_cpu_seconds_total{cpu="0",mode="softirq"}"##,
        ##"node_cpu_seconds_total{cpu="0",mode="steal"}"##,
        ##"node_cpu_seconds_total{cpu="0",mode="system"}"##,
        ##"node_cpu_seconds_total{cpu="0",mode="user"}"##,
        ##"node_cpu_seconds_total{cpu="1",mode="idle"}"##,
        ##"node_cpu_seconds_total{cpu="1",mode="iowait"}"##,
        ##"node_cpu_seconds_total{cpu="1",mode="irq"}"##,
        ##"node_cpu_seconds_total{cpu="1",mode="nice"}"##,
        ##"node_cpu_seconds_total{cpu="1",mode="softirq"}"##,
        ##"node_cpu_seconds_total{cpu="1",mode="steal"}"##,
        ##"node_cpu_seconds_total{cpu="1",mode="system"}"##,
        ##"node_cpu_seconds_total{cpu="1",mode="user"}"##,
        ##"node_entropy_available_bits"##,
        ##"node_entropy_pool_size_bits"##,
        ##"node_filefd_allocated"##,
        ##"node_filefd_maximum"##,
        ##"node_forks_total"##,
        ##"node_intr_total"##,
        ##"node_memory_Active_anon_bytes"##,
        ##"node_memory_Active_bytes"##,
        ##"node_memory_Active_file_bytes"##,
        ##"node_memory_AnonHugePages_bytes"##,
        ##"node_memory_AnonPages_bytes"##,
        ##"node_memory_Balloon_bytes"##,
        ##"node_memory_Bounce_bytes"##,
        ##"node_memory_Buffers_bytes"##,
        ##"node_memory_Cached_bytes"##,
        ##"node_memory_CommitLimit_bytes"##,
        ##"node_memory_Committed_AS_bytes"##,
        ##"node_memory_DirectMap1G_bytes"##,
        ##"node_memory_DirectMap2M_bytes"##,
        ##"node_memory_DirectMap4k_bytes"##,
        ##"node_memory_Dirty_bytes"##,
        ##"node_memory_FileHugePages_bytes"##,
        ##"node_memory_FilePmdMapped_bytes"##,
        ##"node_memory_HugePages_Free"##,
        ##"node_memory_HugePages_Rsvd"##,
        ##"node_memory_HugePages_Surp"##,
        ##"node_memory_HugePages_Total"##,
        ##"node_memory_Hugepagesize_bytes"##,
        ##"node_memory_Hugetlb_bytes"##,
        ##"node_memory_Inactive_anon_bytes"##,
        ##"node_memory_Inactive_bytes"##,
        ##"node_memory_Inactive_file_bytes"##,
        ##"node_memory_KReclaimable_bytes"##,
        ##"node_memory_KernelStack_bytes"##,
        ##"node_memory_Mapped_bytes"##,
        ##"node_memory_MemAvailable_bytes"##,
        ##"node_memory_MemFree_bytes"##,
        ##"node_memory_MemTotal_bytes"##,
        ##"node_memory_Mlocked_bytes"##,
        ##"node_memory_NFS_Unstable_bytes"##,
        ##"node_memory_PageTables_bytes"##,
        ##"node_memory_Percpu_bytes"##,
        ##"node_memory_SReclaimable_bytes"##,
        ##"node_memory_SUnreclaim_bytes"##,
        ##"node_memory_SecPageTables_bytes"##,
        ##"node_memory_ShmemHugePages_bytes"##,
        ##"node_memory_ShmemPmdMapped_bytes"##,
        ##"node_memory_Shmem_bytes"##,
        ##"node_memory_Slab_bytes"##,
        ##"node_memory_SwapCached_bytes"##,
        ##"node_memory_SwapFree_bytes"##,
        ##"node_memory_SwapTotal_bytes"##,
        ##"node_memory_Unevictable_bytes"##,
        ##"node_memory_VmallocChunk_bytes"##,
        ##"node_memory_VmallocTotal_bytes"##,
        ##"node_memory_VmallocUsed_bytes"##,
        ##"node_memory_WritebackTmp_bytes"##,
        ##"node_memory_Writeback_bytes"##,
        ##"node_memory_Zswap_bytes"##,
        ##"node_memory_Zswapped_bytes"##,
        ##"node_os_info{build_id="",id="debian",id_like="",image_id="",image_version="",name="Debian GNU/Linux",pretty_name="Debian GNU/Linux 12 (bookworm)",variant="",variant_id="",version="12 (bookworm)",version_codename="bookworm",version_id="12"}"##,
        ##"node_os_version{id="debian",id_like="",name="Debian GNU/Linux"}"##,
        ##"node_pressure_cpu_waiting_seconds_total"##,
        ##"node_pressure_io_stalled_seconds_total"##,
        ##"node_pressure_io_waiting_seconds_total"##,
        ##"node_pressure_memory_stalled_seconds_total"##,
        ##"node_pressure_memory_waiting_seconds_total"##,
        ##"node_procs_blocked"##,
        ##"node_procs_running"##,
        ##"node_time_clocksource_available_info{clocksource="kvm-clock",device="0"}"##,
        ##"node_time_clocksource_available_info{clocksource="tsc",device="0"}"##,
        ##"node_time_clocksource_current_info{clocksource="tsc",device="0"}"##,
        ##"node_time_seconds"##,
        ##"node_time_zone_offset_seconds{time_zone=*}"##,
        ##"node_timex_estimated_error_seconds"##,
        ##"node_timex_frequency_adjustment_ratio"##,
        ##"node_timex_loop_time_constant"##,
        ##"node_timex_maxerror_seconds"##,
        ##"node_timex_offset_seconds"##,
        ##"node_timex_pps_calibration_total"##,
        ##"node_timex_pps_error_total"##,
        ##"node_timex_pps_frequency_hertz"##,
        ##"node_timex_pps_jitter_seconds"##,
        ##"node_timex_pps_jitter_total"##,
        ##"node_timex_pps_shift_seconds"##,
        ##"node_timex_pps_stability_exceeded_total"##,
        ##"node_timex_pps_stability_hertz"##,
        ##"node_timex_status"##,
        ##"node_timex_sync_status"##,
        ##"node_timex_tai_offset_seconds"##,
        ##"node_timex_tick_seconds"##,
        ##"node_uname_info{domainname="(none)",machine="x86_64",nodename="vm",release="6.18.44-fc-v669",sysname="Linux",version="#1 SMP PREEMPT_DYNAMIC @0"}"##,
        ##"node_vmstat_oom_kill"##,
        ##"node_vmstat_pgfault"##,
        ##"node_vmstat_pgmajfault"##,
        ##"node_vmstat_pgpgin"##,
        ##"node_vmstat_pgpgout"##,
        ##"node_vmstat_pswpin"##,
        ##"node_vmstat_pswpout"##,
    ]

    /// `name{label="value",...}` for every sample, labels sorted by name as node_exporter prints them.
    static func seriesIdentities(_ batch: MetricBatch) -> [String] {
        var result: [String] = []
        for family in batch.families {
            for sample in family.samples {
                let labels = sample.labels.sorted { $0.name < $1.name }.map { label in
                    label.name == "time_zone" ? "time_zone=*" : "\(label.name)=\"\(label.value)\""
                }
                result.append(labels.isEmpty ? family.name : family.name + "{" + labels.joined(separator: ",") + "}")
            }
        }
        return result.sorted()
    }

    @Test func seriesMatchNodeExporter() throws {
        let tree = FixtureTree()
        for (path, content) in Self.capturedFiles { tree.write(path, content) }
        let names = ["cpu", "entropy", "filefd", "meminfo", "os", "pressure", "stat", "time", "timex", "uname", "vmstat"]
        var batch = MetricBatch()
        for collector in HostCollectorCatalog.make(names, context: tree.context) {
            try collector.collect(into: &batch)
        }
        #expect(batch.conflicts == 0)
        #expect(Self.nodeExporterSeries.count == 121)
        let ours = Self.seriesIdentities(batch)
        let theirs = Self.nodeExporterSeries.sorted()
        #expect(ours.count == theirs.count)
        #expect(ours.filter { !theirs.contains($0) } == [], "series node_exporter does not have")
        #expect(theirs.filter { !ours.contains($0) } == [], "series node_exporter has and we miss")
    }

    /// node_exporter's `# TYPE` for each family on that VM.
    @Test(arguments: [
        ("node_boot_time_seconds", MetricType.gauge),
        ("node_context_switches_total", MetricType.counter),
        ("node_cpu_guest_seconds_total", MetricType.counter),
        ("node_cpu_seconds_total", MetricType.counter),
        ("node_entropy_available_bits", MetricType.gauge),
        ("node_entropy_pool_size_bits", MetricType.gauge),
        ("node_filefd_allocated", MetricType.gauge),
        ("node_filefd_maximum", MetricType.gauge),
        ("node_forks_total", MetricType.counter),
        ("node_intr_total", MetricType.counter),
        ("node_memory_Active_anon_bytes", MetricType.gauge),
        ("node_memory_Active_bytes", MetricType.gauge),
        ("node_memory_Active_file_bytes", MetricType.gauge),
        ("node_memory_AnonHugePages_bytes", MetricType.gauge),
        ("node_memory_AnonPages_bytes", MetricType.gauge),
        ("node_memory_Balloon_bytes", MetricType.gauge),
        ("node_memory_Bounce_bytes", MetricType.gauge),
        ("node_memory_Buffers_bytes", MetricType.gauge),
        ("node_memory_Cached_bytes", MetricType.gauge),
        ("node_memory_CommitLimit_bytes", MetricType.gauge),
        ("node_memory_Committed_AS_bytes", MetricType.gauge),
        ("node_memory_DirectMap1G_bytes", MetricType.gauge),
        ("node_memory_DirectMap2M_bytes", MetricType.gauge),
        ("node_memory_DirectMap4k_bytes", MetricType.gauge),
        ("node_memory_Dirty_bytes", MetricType.gauge),
        ("node_memory_FileHugePages_bytes", MetricType.gauge),
        ("node_memory_FilePmdMapped_bytes", MetricType.gauge),
        ("node_memory_HugePages_Free", MetricType.gauge),
        ("node_memory_HugePages_Rsvd", MetricType.gauge),
        ("node_memory_HugePages_Surp", MetricType.gauge),
        ("node_memory_HugePages_Total", MetricType.gauge),
        ("node_memory_Hugepagesize_bytes", MetricType.gauge),
        ("node_memory_Hugetlb_bytes", MetricType.gauge),
        ("node_memory_Inactive_anon_bytes", MetricType.gauge),
        ("node_memory_Inactive_bytes", MetricType.gauge),
        ("node_memory_Inactive_file_bytes", MetricType.gauge),
        ("node_memory_KReclaimable_bytes", MetricType.gauge),
        ("node_memory_KernelStack_bytes", MetricType.gauge),
        ("node_memory_Mapped_bytes", MetricType.gauge),
        ("node_memory_MemAvailable_bytes", MetricType.gauge),
        ("node_memory_MemFree_bytes", MetricType.gauge),
        ("node_memory_MemTotal_bytes", MetricType.gauge),
        ("node_memory_Mlocked_bytes", MetricType.gauge),
        ("node_memory_NFS_Unstable_bytes", MetricType.gauge),
        ("node_memory_PageTables_bytes", MetricType.gauge),
        ("node_memory_Percpu_bytes", MetricType.gauge),
        ("node_memory_SReclaimable_bytes", MetricType.gauge),
        ("node_memory_SUnreclaim_bytes", MetricType.gauge),
        ("node_memory_SecPageTables_bytes", MetricType.gauge),
        ("node_memory_ShmemHugePages_bytes", MetricType.gauge),
        ("node_memory_ShmemPmdMapped_bytes", MetricType.gauge),
        ("node_memory_Shmem_bytes", MetricType.gauge),
        ("node_memory_Slab_bytes", MetricType.gauge),
        ("node_memory_SwapCached_bytes", MetricType.gauge),
        ("node_memory_SwapFree_bytes", MetricType.gauge),
        ("node_memory_SwapTotal_bytes", MetricType.gauge),
        ("node_memory_Unevictable_bytes", MetricType.gauge),
        ("node_memory_VmallocChunk_bytes", MetricType.gauge),
        ("node_memory_VmallocTotal_bytes", MetricType.gauge),
        ("node_memory_VmallocUsed_bytes", MetricType.gauge),
        ("node_memory_WritebackTmp_bytes", MetricType.gauge),
        ("node_memory_Writeback_bytes", MetricType.gauge),
        ("node_memory_Zswap_bytes", MetricType.gauge),
        ("node_memory_Zswapped_bytes", MetricType.gauge),
        ("node_os_info", MetricType.gauge),
        ("node_os_version", MetricType.gauge),
        ("node_pressure_cpu_waiting_seconds_total", MetricType.counter),
        ("node_pressure_io_stalled_seconds_total", MetricType.counter),
        ("node_pressure_io_waiting_seconds_total", MetricType.counter),
        ("node_pressure_memory_stalled_seconds_total", MetricType.counter),
        ("node_pressure_memory_waiting_seconds_total", MetricType.counter),
        ("node_procs_blocked", MetricType.gauge),
        ("node_procs_running", MetricType.gauge),
        ("node_time_clocksource_available_info", MetricType.gauge),
        ("node_time_clocksource_current_info", MetricType.gauge),
        ("node_time_seconds", MetricType.gauge),
        ("node_time_zone_offset_seconds", MetricType.gauge),
        ("node_timex_estimated_error_seconds", MetricType.gauge),
        ("node_timex_frequency_adjustment_ratio", MetricType.gauge),
        ("node_timex_loop_time_constant", MetricType.gauge),
        ("node_timex_maxerror_seconds", MetricType.gauge),
        ("node_timex_offset_seconds", MetricType.gauge),
        ("node_timex_pps_calibration_total", MetricType.counter),
        ("node_timex_pps_error_total", MetricType.counter),
        ("node_timex_pps_frequency_hertz", MetricType.gauge),
        ("node_timex_pps_jitter_seconds", MetricType.gauge),
        ("node_timex_pps_jitter_total", MetricType.counter),
        ("node_timex_pps_shift_seconds", MetricType.gauge),
        ("node_timex_pps_stability_exceeded_total", MetricType.counter),
        ("node_timex_pps_stability_hertz", MetricType.gauge),
        ("node_timex_status", MetricType.gauge),
        ("node_timex_sync_status", MetricType.gauge),
        ("node_timex_tai_offset_seconds", MetricType.gauge),
        ("node_timex_tick_seconds", MetricType.gauge),
        ("node_uname_info", MetricType.gauge),
        ("node_vmstat_oom_kill", MetricType.untyped),
        ("node_vmstat_pgfault", MetricType.untyped),
        ("node_vmstat_pgmajfault", MetricType.untyped),
        ("node_vmstat_pgpgin", MetricType.untyped),
        ("node_vmstat_pgpgout", MetricType.untyped),
        ("node_vmstat_pswpin", MetricType.untyped),
        ("node_vmstat_pswpout", MetricType.untyped),
    ])
    func typesMatchNodeExporter(_ name: String, _ type: MetricType) throws {
        let tree = FixtureTree()
        for (path, content) in Self.capturedFiles { tree.write(path, content) }
        var batch = MetricBatch()
        for collector in HostCollectorCatalog.make(nil, context: tree.context) where collector.name != "loadavg" {
            try? collector.collect(into: &batch)
        }
        #expect(batch.family(named: name)?.type == type)
    }
}
