variable "account_prefix" {
  description = "Storage account name prefix; the module makes <account_prefix>raw and <account_prefix>standard (upstream: datasimsuperhero). Globally unique."
  type        = string
  default     = "datasimsuperhero"
  validation {
    condition     = can(regex("^[a-z0-9]{3,16}$", var.account_prefix))
    error_message = "account_prefix: 3-16 lowercase letters or digits (storage account names are 3-24, leaving room for 'standard')."
  }
}

variable "resource_group_name" {
  description = "Resource group to create the accounts in (made by the module)."
  type        = string
  default     = "heroflow"
}

variable "location" {
  description = "Azure region."
  type        = string
  default     = "eastus"
}

variable "layers" {
  description = "Which accounts + containers to make: raw (heroflow's Parquet output) and standard."
  type        = list(string)
  default     = ["raw", "standard"]
}

variable "replication_type" {
  description = "Account replication: LRS, ZRS, GRS, RAGRS, GZRS, RAGZRS."
  type        = string
  default     = "LRS"
}

variable "tags" {
  description = "Tags on every resource."
  type        = map(string)
  default     = { app = "heroflow" }
}
