# Seed 001's ./cloud/aws: the credentials are spelled out in the provider "for easier understanding".
# Leave aws_access_key_id / aws_secret_access_key empty to use the standard chain instead
# (AWS_PROFILE, ~/.aws/credentials, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY).
provider "aws" {
  region     = var.region
  access_key = var.aws_access_key_id == "" ? null : var.aws_access_key_id
  secret_key = var.aws_secret_access_key == "" ? null : var.aws_secret_access_key
}

module "buckets" {
  source        = "../modules/aws-buckets"
  bucket_name   = var.bucket_name
  force_destroy = var.force_destroy
}
