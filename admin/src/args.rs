//! The command line, parsed by hand: two commands' worth of flags do not need a parser crate
//! (and its build time in every `cargo test --workspace`).

use shared::ops::firms::NewFirm;

pub const USAGE: &str = "usage:
  portal-admin (--stack <name> [--region <region>] | --env-file <path>) [--json] create-firm \\
      --name <firm name> --owner-email <email> [--owner-name <name>] [--firm-id <uuid>] [--help-center-url <https://…>]

  --stack      a deployed stage: its names are read from the CloudFormation stack's outputs and
               parameters; credentials and region from the usual AWS chain (or --region)
  --env-file   the local stack: the functions' env file that `make dev` writes
               (/tmp/client-portal-dev-9000/functions.env)
  --json       print the outcome as one JSON object

  portal-admin (--stack <name> [--region <region>] | --env-file <path>) [--json] backfill-indexes

create-firm creates the firm and sends its owner an invite to create their staff login. Run
again, it changes nothing and reports what exists (a firm is known by its owner's email).

backfill-indexes gives items stored before an index existed their keys (a contact's portal
state, a client's open work and threads by activity, invoice-number guards): run once after
a deploy that adds one; run again, it changes nothing.";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    EnvFile(String),
    Stack { name: String, region: Option<String> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateFirm {
    pub name: String,
    pub owner_email: String,
    pub owner_name: String,
    pub firm_id: Option<String>,
    pub help_center_url: Option<String>,
}

impl CreateFirm {
    /// The operation's input; a bad value is named as its flag.
    pub fn to_input(&self, sender_email: &str) -> Result<NewFirm, String> {
        NewFirm::parse(&self.name, &self.owner_email, self.firm_id.as_deref(), sender_email, self.help_center_url.as_deref()).map_err(|e| match e {
            shared::Error::Validation(errs) => errs.iter().map(|e| format!("--{}: {}", e.field.replace('_', "-"), e.message)).collect::<Vec<_>>().join("\n"),
            other => other.public_detail(),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    CreateFirm(CreateFirm),
    BackfillIndexes,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub target: Target,
    pub json: bool,
    pub command: Command,
}

pub fn parse(argv: &[String]) -> Result<Invocation, String> {
    let mut flags: Vec<(String, Option<String>)> = Vec::new();
    let mut command = None;
    let mut it = argv.iter();
    while let Some(a) = it.next() {
        if let Some(name) = a.strip_prefix("--") {
            if name == "json" || name == "help" {
                flags.push((name.to_string(), None));
            } else {
                let v = it.next().ok_or_else(|| format!("--{name} needs a value"))?;
                flags.push((name.to_string(), Some(v.clone())));
            }
        } else if command.is_none() {
            command = Some(a.clone());
        } else {
            return Err(format!("unexpected argument {a:?}"));
        }
    }
    if flags.iter().any(|(n, _)| n == "help") {
        return Err("portal-admin: operator commands for a portal stage".into());
    }
    let json = flags.iter().any(|(n, _)| n == "json");
    flags.retain(|(n, _)| n != "json");
    let mut take = |name: &str| -> Option<String> { flags.iter().position(|(n, _)| n == name).and_then(|i| flags.remove(i).1) };
    let target = match (take("stack"), take("env-file")) {
        (Some(name), None) => Target::Stack { name, region: take("region") },
        (None, Some(path)) => Target::EnvFile(path),
        (Some(_), Some(_)) => return Err("give --stack or --env-file, not both".into()),
        (None, None) => return Err("which stage? give --stack <name> or --env-file <path>".into()),
    };
    let command = match command.as_deref() {
        Some("create-firm") => {
            let name = take("name").ok_or("create-firm needs --name")?;
            let owner_email = take("owner-email").ok_or("create-firm needs --owner-email")?;
            Command::CreateFirm(CreateFirm {
                owner_name: take("owner-name").unwrap_or_default(),
                firm_id: take("firm-id"),
                help_center_url: take("help-center-url"),
                name,
                owner_email,
            })
        }
        Some("backfill-indexes") => Command::BackfillIndexes,
        Some(other) => return Err(format!("unknown command {other:?}")),
        None => return Err("no command given".into()),
    };
    if let Some(n) = take_first(&mut flags) {
        return Err(format!("unknown option --{n}"));
    }
    Ok(Invocation { target, json, command })
}

fn take_first(flags: &mut [(String, Option<String>)]) -> Option<String> {
    flags.first().map(|(n, _)| n.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn create_firm_against_a_stack_or_an_env_file() {
        let inv = parse(&argv("--stack portal-prod --region eu-west-1 create-firm --name Acme --owner-email o@acme.example --json")).unwrap();
        assert_eq!(inv.target, Target::Stack { name: "portal-prod".into(), region: Some("eu-west-1".into()) });
        assert!(inv.json);
        let Command::CreateFirm(c) = inv.command else { panic!("create-firm") };
        assert_eq!((c.name.as_str(), c.owner_email.as_str(), c.firm_id), ("Acme", "o@acme.example", None));
        let inv = parse(&argv("--env-file /tmp/f.env create-firm --name Acme --owner-email o@acme.example --owner-name Olga")).unwrap();
        assert_eq!(inv.target, Target::EnvFile("/tmp/f.env".into()));
        assert!(!inv.json);
    }

    #[test]
    fn backfill_takes_only_the_stage() {
        let inv = parse(&argv("--env-file /tmp/f.env backfill-indexes")).unwrap();
        assert_eq!(inv.command, Command::BackfillIndexes);
        assert!(parse(&argv("--env-file /tmp/f.env backfill-indexes --name A")).unwrap_err().contains("--name"));
    }

    #[test]
    fn mistakes_are_named() {
        for (args, says) in [
            ("create-firm --name A --owner-email o@a.example", "--stack"),
            ("--stack s --env-file f create-firm --name A --owner-email o@a.example", "not both"),
            ("--stack s create-firm --owner-email o@a.example", "--name"),
            ("--stack s create-firm --name A --owner-email o@a.example --colour red", "--colour"),
            ("--stack s delete-firm", "delete-firm"),
            ("--stack s create-firm --name", "needs a value"),
        ] {
            let err = parse(&argv(args)).unwrap_err();
            assert!(err.contains(says), "{args}: {err}");
        }
    }

    #[test]
    fn bad_values_are_named_as_their_flags() {
        let c =
            CreateFirm { name: "A".into(), owner_email: "nobody".into(), owner_name: String::new(), firm_id: None, help_center_url: Some("http://x".into()) };
        let err = c.to_input("portal@stage.example").unwrap_err();
        assert!(err.contains("--owner-email") && err.contains("--help-center-url"), "{err}");
    }
}
