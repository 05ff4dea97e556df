"""The subcommands of `muster`, one module per command or group; `muster.cli` assembles
them. Each is thin: parse options, call a service, print."""
