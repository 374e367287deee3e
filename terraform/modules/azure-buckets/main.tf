# The seed's storage on Azure Blob Storage, as upstream lays it out: one storage account per layer
# (<account_prefix>raw, <account_prefix>standard), each with a private container named after the layer.
# Blocks a crashed writer staged but never committed are discarded by the service (after 7 days) and are
# never visible, so no lifecycle rule is needed for them.
resource "azurerm_resource_group" "heroflow" {
  name     = var.resource_group_name
  location = var.location
  tags     = var.tags
}

resource "azurerm_storage_account" "layer" {
  for_each                        = toset(var.layers)
  name                            = "${var.account_prefix}${each.key}"
  resource_group_name             = azurerm_resource_group.heroflow.name
  location                        = azurerm_resource_group.heroflow.location
  account_tier                    = "Standard"
  account_replication_type        = var.replication_type
  min_tls_version                 = "TLS1_2"
  allow_nested_items_to_be_public = false
  tags                            = merge(var.tags, { layer = each.key })
}

resource "azurerm_storage_container" "layer" {
  for_each              = azurerm_storage_account.layer
  name                  = each.key
  storage_account_id    = each.value.id
  container_access_type = "private"
}
