# Seed 001's ./cloud/azure: the service principal is spelled out in the provider "for easier understanding".
provider "azurerm" {
  features {}
  subscription_id = var.subscription_id
  client_id       = var.client_id
  client_secret   = var.client_secret
  tenant_id       = var.tenant_id
}

module "storage" {
  source              = "../modules/azure-buckets"
  account_prefix      = var.account_prefix
  resource_group_name = var.resource_group_name
  location            = var.location
}
