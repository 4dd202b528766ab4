print("noa-agent: not yet wired")
