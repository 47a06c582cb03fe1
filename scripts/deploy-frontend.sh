#!/usr/bin/env bash
# Publish the web app to a deployed stack: build the CSS, write config.json from the stack's outputs,
# sync frontend/ to the web app bucket and invalidate CloudFront.
#
#   scripts/deploy-frontend.sh [STACK_NAME] [REGION]    (defaults: easycrm-dev, us-east-1, as samconfig.toml)
#
# Needs the AWS CLI v2 with credentials for the account, and npm (for Tailwind).
set -euo pipefail
cd "$(dirname "$0")/.."

STACK="${1:-${STACK_NAME:-easycrm-dev}}"
REGION="${2:-${AWS_REGION:-us-east-1}}"

output() {
  aws cloudformation describe-stacks --region "$REGION" --stack-name "$STACK" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
}

api_url="$(output ApiUrl)"
pool_id="$(output UserPoolId)"
client_id="$(output UserPoolClientId)"
bucket="$(output WebAppBucketName)"
distribution="$(output WebAppDistributionId)"
web_url="$(output WebAppUrl)"
for value in "$api_url" "$pool_id" "$client_id" "$bucket" "$distribution"; do
  if [[ -z "$value" || "$value" == "None" ]]; then
    echo "Stack $STACK in $REGION lacks an output the web app needs; deploy template.yaml first." >&2
    exit 1
  fi
done

make frontend

config="$(mktemp)"
trap 'rm -f "$config"' EXIT
cat >"$config" <<JSON
{
  "apiUrl": "$api_url",
  "region": "$REGION",
  "userPoolId": "$pool_id",
  "userPoolClientId": "$client_id",
  "cognitoEndpoint": "https://cognito-idp.$REGION.amazonaws.com/"
}
JSON

# Only what the browser loads: the Tailwind input and local files stay behind.
aws s3 sync frontend/ "s3://$bucket/" --region "$REGION" --delete \
  --exclude "tailwind.css" --exclude "config.json" --exclude ".*" \
  --cache-control "no-cache"
aws s3 cp "$config" "s3://$bucket/config.json" --region "$REGION" \
  --content-type "application/json" --cache-control "no-store"
aws cloudfront create-invalidation --distribution-id "$distribution" --paths "/*" >/dev/null

echo "The web app is at $web_url (CloudFront may take a few minutes to pick up the new files)."
