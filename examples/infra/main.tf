# The example stack: the machines the app runs on, and where. Builtin
# `terraform_data` resources only, so `terraform init` downloads no provider
# and the demo runs offline; a real stack would create servers here and
# output their addresses the same way.

terraform {
  required_version = ">= 1.4"
}

variable "environment" {
  description = "Name of the environment the hosts belong to."
  type        = string
  default     = "demo"
}

variable "app_hosts" {
  description = "Addresses of the hosts that run the app."
  type        = list(string)
  default     = ["127.0.0.1"]
}

resource "terraform_data" "network" {
  input = {
    name = "${var.environment}-network"
    cidr = "127.0.0.0/8"
  }
}

resource "terraform_data" "app_host" {
  count = length(var.app_hosts)
  input = {
    name    = "${var.environment}-app-${count.index + 1}"
    address = var.app_hosts[count.index]
    network = terraform_data.network.output.name
  }
}

output "hosts" {
  description = "Inventory groups of ansible-deploy (terraform-hosts-output: hosts): group name to addresses."
  value       = { app = [for host in terraform_data.app_host : host.output.address] }
}
