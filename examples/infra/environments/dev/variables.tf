variable "environment" {
  description = "The environment's name."
  type        = string
}

variable "cidr" {
  description = "The environment network's address range."
  type        = string
}

# No default: the addresses come from where the hosts are (a generated
# hosts.auto.tfvars.json, see examples/README.md), and a plan without them must
# fail rather than plan the hosts away.
variable "hosts" {
  description = "SSH addresses (IP or DNS name, no port) of the hosts that run the app."
  type        = list(string)
}

variable "app_port" {
  description = "The port the app listens on, on each host."
  type        = number
  default     = 8080
}

variable "image_repository" {
  description = "The image the hosts run, without tag or digest."
  type        = string
  default     = "registry.example.com/example/app"
}

variable "app_settings" {
  description = "The app's non-secret settings; secrets reach the hosts as the deploy's .env file."
  type        = map(string)
  default     = {}
}
