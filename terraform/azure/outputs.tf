output "account_names" {
  value = module.storage.account_names
}

output "heroflow_env" {
  description = "What heroflow needs: OUTPUT_FS + OUTPUT_DIR (or --out) and AZURE_ACCOUNT_NAME; the key is the sensitive output account_key."
  value = {
    OUTPUT_FS          = "AZURE"
    OUTPUT_DIR         = "raw/superhero"
    AZURE_ACCOUNT_NAME = module.storage.account_names["raw"]
  }
}

output "account_key" {
  description = "heroflow's AZURE_ACCOUNT_KEY for the raw account: terraform output -raw account_key."
  value       = module.storage.account_keys["raw"]
  sensitive   = true
}

output "out_url" {
  description = "heroflow --out for the raw container (with AZURE_ACCOUNT_NAME above)."
  value       = module.storage.heroflow_out["raw"]
}
