variable "subscription_id" {
  description = "Seed 001's subscription_id."
  type        = string
}

variable "client_id" {
  description = "Seed 001's client_id (the service principal's application id)."
  type        = string
}

variable "client_secret" {
  description = "Seed 001's client_secret (the secret's value, not its id)."
  type        = string
  sensitive   = true
}

variable "tenant_id" {
  description = "Seed 001's tenant_id."
  type        = string
}

variable "account_prefix" {
  description = "Storage account prefix: <prefix>raw and <prefix>standard (upstream: datasimsuperhero). Globally unique."
  type        = string
  default     = "datasimsuperhero"
}

variable "resource_group_name" {
  description = "Resource group the module creates."
  type        = string
  default     = "heroflow"
}

variable "location" {
  description = "Azure region."
  type        = string
  default     = "eastus"
}
