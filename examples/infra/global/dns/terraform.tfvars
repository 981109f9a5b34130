zone         = "example.internal"
environments = ["dev", "staging", "prod"]
