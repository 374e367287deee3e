output "bucket_names" {
  description = "Bucket name per layer."
  value       = { for k, b in aws_s3_bucket.layer : k => b.id }
}

output "bucket_arns" {
  description = "Bucket ARN per layer (for IAM policies)."
  value       = { for k, b in aws_s3_bucket.layer : k => b.arn }
}

output "region" {
  description = "Region of the buckets: heroflow's AWS_REGION."
  value       = one(distinct([for b in aws_s3_bucket.layer : b.region]))
}

output "heroflow_out" {
  description = "heroflow's --out (OUTPUT_DIR) per layer, as a URL."
  value       = { for k, b in aws_s3_bucket.layer : k => "s3://${b.id}/superhero" }
}
