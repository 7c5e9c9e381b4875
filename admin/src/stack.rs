//! Where a stage's configuration comes from: the functions' environment, rebuilt from a
//! deployed stack (outputs and parameters) or read from the local stack's env file.

use std::collections::BTreeMap;

/// The functions' variables from the CloudFormation stack `name` (see `infra/template.yaml`:
/// `Globals.Function.Environment` and `Outputs`).
pub fn outputs(name: &str, region: Option<&str>) -> Result<BTreeMap<String, String>, String> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    rt.block_on(async {
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
        if let Some(r) = region {
            loader = loader.region(aws_config::Region::new(r.to_string()));
        }
        let sdk = loader.load().await;
        let region = sdk.region().map(|r| r.to_string()).ok_or("no AWS region: give --region or set AWS_REGION")?;
        let cfn = aws_sdk_cloudformation::Client::new(&sdk);
        let out = cfn
            .describe_stacks()
            .stack_name(name)
            .send()
            .await
            .map_err(|e| format!("cannot read the stack {name}: {}", aws_sdk_cloudformation::error::DisplayErrorContext(&e)))?;
        let stack = out.stacks().first().ok_or_else(|| format!("no stack named {name}"))?;
        let mut found: BTreeMap<String, String> = BTreeMap::new();
        for o in stack.outputs() {
            if let (Some(k), Some(v)) = (o.output_key(), o.output_value()) {
                found.insert(k.to_string(), v.to_string());
            }
        }
        for p in stack.parameters() {
            if let (Some(k), Some(v)) = (p.parameter_key(), p.parameter_value()) {
                found.entry(k.to_string()).or_insert_with(|| v.to_string());
            }
        }
        from_stack(name, &region, &found)
    })
}

/// The functions' variables from a stack's outputs and parameters.
pub fn from_stack(stack: &str, region: &str, found: &BTreeMap<String, String>) -> Result<BTreeMap<String, String>, String> {
    let need = |k: &str| {
        found
            .get(k)
            .filter(|v| !v.is_empty())
            .cloned()
            .ok_or_else(|| format!("the stack has no {k} (output or parameter); is it a portal stack, deployed from infra/template.yaml?"))
    };
    let mut vars = BTreeMap::new();
    for (var, key) in [
        ("TABLE_NAME", "TableName"),
        ("BUCKET_NAME", "FilesBucketName"),
        ("STAFF_POOL_ID", "StaffUserPoolId"),
        ("STAFF_CLIENT_ID", "StaffUserPoolClientId"),
        ("CONTACTS_POOL_ID", "ContactsUserPoolId"),
        ("CONTACTS_CLIENT_ID", "ContactsUserPoolClientId"),
        ("SENDER_EMAIL", "SenderEmail"),
    ] {
        vars.insert(var.to_string(), need(key)?);
    }
    // Invite links point where the portal is served: the stage's WebOrigin, else its API URL.
    let web = found.get("WebOrigin").filter(|v| !v.is_empty()).cloned().map_or_else(|| need("ApiUrl"), Ok)?;
    vars.insert("WEB_ORIGIN".into(), web);
    vars.insert("SES_CONFIGURATION_SET".into(), format!("{stack}-email"));
    if let Some(days) = found.get("InviteLifetimeDays") {
        vars.insert("INVITE_LIFETIME_DAYS".into(), days.clone());
    }
    vars.insert("AWS_REGION".into(), region.to_string());
    Ok(vars)
}

/// The variables of an env file as `make dev` writes it (`KEY=value` or `KEY='value'`).
pub fn env_file(path: &str) -> Result<BTreeMap<String, String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e} (is `make dev` running?)"))?;
    parse_env(&text).map_err(|line| format!("{path}: cannot read line {line}"))
}

fn parse_env(text: &str) -> Result<BTreeMap<String, String>, usize> {
    let mut vars = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (k, v) = line.split_once('=').ok_or(n + 1)?;
        let v = v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')).unwrap_or(v);
        vars.insert(k.trim().to_string(), v.to_string());
    }
    Ok(vars)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stacks_outputs_and_parameters_become_the_functions_variables() {
        let mut found: BTreeMap<String, String> = [
            ("TableName", "t"),
            ("FilesBucketName", "b"),
            ("StaffUserPoolId", "sp"),
            ("StaffUserPoolClientId", "sc"),
            ("ContactsUserPoolId", "cp"),
            ("ContactsUserPoolClientId", "cc"),
            ("SenderEmail", "portal@firm.example"),
            ("ApiUrl", "https://abc.execute-api.eu-west-1.amazonaws.com"),
            ("WebOrigin", ""),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let vars = from_stack("portal-prod", "eu-west-1", &found).unwrap();
        assert_eq!(vars["WEB_ORIGIN"], "https://abc.execute-api.eu-west-1.amazonaws.com", "no WebOrigin: the API's URL");
        assert_eq!((vars["SES_CONFIGURATION_SET"].as_str(), vars["STAFF_POOL_ID"].as_str()), ("portal-prod-email", "sp"));
        found.insert("WebOrigin".into(), "https://portal.firm.example".into());
        assert_eq!(from_stack("s", "r", &found).unwrap()["WEB_ORIGIN"], "https://portal.firm.example");
        found.remove("TableName");
        assert!(from_stack("s", "r", &found).unwrap_err().contains("TableName"));
    }

    #[test]
    fn env_files_as_make_dev_writes_them() {
        let vars = parse_env("TABLE_NAME=portal\nSOURCE_LIMITS='sign_in=30/300'\n\n# c\n").unwrap();
        assert_eq!((vars["TABLE_NAME"].as_str(), vars["SOURCE_LIMITS"].as_str()), ("portal", "sign_in=30/300"));
        assert_eq!(parse_env("A=1\nnonsense").unwrap_err(), 2);
    }
}
