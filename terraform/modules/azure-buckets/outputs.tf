output "account_names" {
  description = "Storage account per layer: heroflow's AZURE_ACCOUNT_NAME."
  value       = { for k, a in azurerm_storage_account.layer : k => a.name }
}

output "account_keys" {
  description = "Primary access key per layer: heroflow's AZURE_ACCOUNT_KEY (`terraform output -json account_keys`)."
  value       = { for k, a in azurerm_storage_account.layer : k => a.primary_access_key }
  sensitive   = true
}

output "blob_endpoints" {
  description = "Blob endpoint per layer (AZURE_STORAGE_BLOB_ENDPOINT, only needed for non-public clouds)."
  value       = { for k, a in azurerm_storage_account.layer : k => a.primary_blob_endpoint }
}

output "heroflow_out" {
  description = "heroflow's --out (OUTPUT_DIR) per layer, as a URL (set AZURE_ACCOUNT_NAME to the same layer's account)."
  value       = { for k, c in azurerm_storage_container.layer : k => "az://${c.name}/superhero" }
}
