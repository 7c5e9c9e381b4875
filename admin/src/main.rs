//! `portal-admin` — what an operator of a stage does that no portal route may do.
//!
//! ```text
//! portal-admin --stack <name> [--region <r>] create-firm --name "…" --owner-email … [options]
//! portal-admin --env-file <functions.env>     create-firm --name "…" --owner-email … [options]
//! ```
//!
//! `create-firm` creates the firm and invites its first owner (`shared::ops::firms`,
//! `shared::ops::team`); running it again changes nothing and says what exists.
//! `backfill-indexes` gives items stored before an index existed their keys
//! (`shared::ops::backfill`); running it again changes nothing.
//!
//! Why it runs the functions' own code with the functions' own configuration: a firm made
//! here must be exactly what the portal reads, and `make dev` seeds its demo firm through
//! this command, so the path is used every day. The configuration is the functions'
//! environment: against a deployed stage it is read from the CloudFormation stack (outputs
//! and parameters, with credentials from the usual AWS chain); against the local stack,
//! from the env file `make dev` and the tests write. This process then runs itself again
//! with that environment — the SDK reads its endpoints and credentials from there exactly as
//! the functions do, and nothing changes the environment of a running process.

use std::collections::BTreeMap;
use std::process::ExitCode;

mod args;
mod stack;

use args::{Command, Invocation, Target};

/// Set in the environment of the second run: the configuration is in place.
const LOADED: &str = "PORTAL_ADMIN_CONFIGURED";

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let inv = match args::parse(&argv) {
        Ok(inv) => inv,
        Err(msg) => {
            eprintln!("{msg}\n\n{}", args::USAGE);
            return ExitCode::from(2);
        }
    };
    if std::env::var_os(LOADED).is_none() {
        let vars = match &inv.target {
            Target::EnvFile(path) => stack::env_file(path),
            Target::Stack { name, region } => stack::outputs(name, region.as_deref()),
        };
        return match vars {
            Ok(vars) => rerun(vars, &argv),
            Err(msg) => {
                eprintln!("portal-admin: {msg}");
                ExitCode::FAILURE
            }
        };
    }
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a Tokio runtime");
    match rt.block_on(run(inv)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("portal-admin: {msg}");
            ExitCode::FAILURE
        }
    }
}

/// Run this program again with the stage's configuration in its environment.
fn rerun(vars: BTreeMap<String, String>, argv: &[String]) -> ExitCode {
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            eprintln!("portal-admin: cannot find my own executable: {e}");
            return ExitCode::FAILURE;
        }
    };
    match std::process::Command::new(exe).args(argv).envs(vars).env(LOADED, "1").status() {
        Ok(s) => s.code().map_or(ExitCode::FAILURE, |c| ExitCode::from(c as u8)),
        Err(e) => {
            eprintln!("portal-admin: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(inv: Invocation) -> Result<(), String> {
    let state = shared::AppState::from_env().await.map_err(|e| e.to_string())?;
    match inv.command {
        Command::CreateFirm(c) => {
            let sender = std::env::var("SENDER_EMAIL").unwrap_or_default();
            let report = shared::ops::firms::create_with_owner(
                &state.store,
                &state.outbox(&state.config.web_origin),
                &operator(),
                &c.to_input(&sender)?,
                &c.owner_name,
                state.config.invite_lifetime_days,
            )
            .await
            .map_err(|e| e.public_detail())?;
            if inv.json {
                println!("{}", serde_json::to_string(&report).map_err(|e| e.to_string())?);
            } else {
                println!("{report}");
            }
            Ok(())
        }
        Command::BackfillIndexes => {
            let report = shared::ops::backfill::backfill_indexes(&state.store).await.map_err(|e| e.public_detail())?;
            if inv.json {
                println!("{}", serde_json::to_string(&report).map_err(|e| e.to_string())?);
            } else {
                println!("{report}");
            }
            Ok(())
        }
    }
}

/// Who did it, for the firm's history: the operator's command, with the local user's name
/// when the shell says it (no AWS call: an operator's identity at AWS is in CloudTrail).
fn operator() -> shared::ops::audit::By {
    let who = std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "operator".into());
    shared::ops::audit::By {
        actor: shared::store::ActorRef { kind: "operator".into(), id: "portal-admin".into(), name: format!("portal-admin ({who})") },
        origin: shared::ops::audit::Origin { ip: None, user_agent: Some(format!("portal-admin/{}", env!("CARGO_PKG_VERSION"))) },
    }
}
