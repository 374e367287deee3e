output "bucket_names" {
  description = "Bucket name per layer."
  value       = { for k, b in google_storage_bucket.layer : k => b.name }
}

output "project_id" {
  description = "heroflow's GCP_PROJECT_ID."
  value       = var.project_id
}

output "heroflow_out" {
  description = "heroflow's --out (OUTPUT_DIR) per layer, as a URL."
  value       = { for k, b in google_storage_bucket.layer : k => "gs://${b.name}/superhero" }
}
