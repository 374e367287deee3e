output "bucket_names" {
  value = module.buckets.bucket_names
}

output "heroflow_env" {
  description = "What heroflow needs: OUTPUT_FS + OUTPUT_DIR (or --out), GCP_PROJECT_ID, GOOGLE_APPLICATION_CREDENTIALS."
  value = {
    OUTPUT_FS                      = "GCP"
    OUTPUT_DIR                     = "${module.buckets.bucket_names["raw"]}/superhero"
    GCP_PROJECT_ID                 = module.buckets.project_id
    GOOGLE_APPLICATION_CREDENTIALS = abspath(var.credentials_file)
  }
}

output "out_url" {
  description = "heroflow --out for the raw bucket (same place as OUTPUT_FS + OUTPUT_DIR above)."
  value       = module.buckets.heroflow_out["raw"]
}
