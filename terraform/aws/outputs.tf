output "bucket_names" {
  value = module.buckets.bucket_names
}

output "heroflow_env" {
  description = "What heroflow needs: OUTPUT_FS + OUTPUT_DIR (or --out) and AWS_REGION; credentials as for the AWS CLI."
  value = {
    OUTPUT_FS  = "AWS"
    OUTPUT_DIR = "${module.buckets.bucket_names["raw"]}/superhero"
    AWS_REGION = var.region
  }
}

output "out_url" {
  description = "heroflow --out for the raw bucket (same place as OUTPUT_FS + OUTPUT_DIR above)."
  value       = module.buckets.heroflow_out["raw"]
}
