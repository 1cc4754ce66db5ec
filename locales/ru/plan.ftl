# Problems found while reading plans, the registry and YAML (filled in by the plan stage).
