//! Staff roles and what each may do: the one permission table (the README's "Roles and
//! permissions" is checked against [`TABLE`] by a test).
//!
//! Every staff route of `infra/openapi.yaml` names the permission it needs
//! (`x-permission`); the generated route table carries it in its audience
//! ([`crate::domain::identity::Audience::Staff`]), and
//! [`crate::http::state::AppState::authenticate`] refuses a staff member whose role lacks
//! it, with the role read from the staff record on every call — so a demotion takes effect
//! on the next request on every warm instance, as a removal does.
//!
//! Rules that depend on data rather than on the route live in `ops::team`: only an owner
//! makes or unmakes an owner, and the last active owner can be neither demoted nor
//! deactivated (a firm must always have someone who can manage it).

use serde::{Deserialize, Serialize};

use crate::error::FieldError;

/// A staff member's role in their firm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything an admin may do, and making or unmaking owners.
    Owner,
    /// Runs the firm's portal: settings, billing settings, templates and the team.
    Admin,
    /// Works with clients. The default: a record that names no role gets the least.
    #[default]
    Staff,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Owner, Role::Admin, Role::Staff];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Staff => "staff",
        }
    }

    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        Role::ALL.into_iter().find(|r| r.as_str() == raw.trim()).ok_or_else(|| FieldError::new(field, "must be one of owner, admin, staff"))
    }

    /// May this role do what `permission` covers?
    pub fn may(self, permission: Permission) -> bool {
        TABLE.iter().any(|(p, roles, _)| *p == permission && roles.contains(&self))
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a staff route does, as far as roles are concerned. Named in the spec's
/// `x-permission` (snake case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// The daily work: clients, contacts, invites, files, requests, messages, signatures,
    /// invoices; reading the settings and templates that work uses; one's own sign-in and
    /// authenticator.
    Work,
    /// The firm's profile and portal settings (name, help link, sender, logo, colour,
    /// invite lifetime, reminders, two-step sign-in for contacts).
    FirmSettings,
    /// Billing on or off, online payments, billing settings.
    BillingSettings,
    /// Creating, changing and deleting invite templates.
    Templates,
    /// Inviting colleagues, roles, deactivation.
    Team,
    /// The firm's own history: team, role, profile and settings changes.
    FirmHistory,
}

impl Permission {
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Work => "work",
            Permission::FirmSettings => "firm_settings",
            Permission::BillingSettings => "billing_settings",
            Permission::Templates => "templates",
            Permission::Team => "team",
            Permission::FirmHistory => "firm_history",
        }
    }
}

const ADMIN_AND_UP: &[Role] = &[Role::Owner, Role::Admin];
const EVERYONE: &[Role] = &[Role::Owner, Role::Admin, Role::Staff];

/// The permission table: each permission, the roles that have it, and what it covers in
/// words (the README's table says the same; a test compares them).
pub const TABLE: &[(Permission, &[Role], &str)] = &[
    (
        Permission::Work,
        EVERYONE,
        "clients, contacts, invites, files, requests, messages, signatures, invoices; reading settings and templates; own sign-in and authenticator",
    ),
    (Permission::FirmSettings, ADMIN_AND_UP, "firm profile (name, Help Center URL, sender, logo, accent colour) and portal settings"),
    (Permission::BillingSettings, ADMIN_AND_UP, "billing on/off, online payments, billing settings"),
    (Permission::Templates, ADMIN_AND_UP, "creating, changing and deleting invite templates"),
    (Permission::Team, ADMIN_AND_UP, "inviting colleagues, changing roles, deactivating and reactivating"),
    (Permission::FirmHistory, ADMIN_AND_UP, "the firm's history: team, role, profile and settings changes"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_permission_is_in_the_table_once_and_owners_may_do_everything() {
        for p in [Permission::Work, Permission::FirmSettings, Permission::BillingSettings, Permission::Templates, Permission::Team, Permission::FirmHistory] {
            assert_eq!(TABLE.iter().filter(|(q, ..)| *q == p).count(), 1, "{p:?}");
            assert!(Role::Owner.may(p));
        }
    }

    #[test]
    fn staff_do_the_work_and_admins_run_the_portal() {
        assert!(Role::Staff.may(Permission::Work));
        for p in [Permission::FirmSettings, Permission::BillingSettings, Permission::Templates, Permission::Team, Permission::FirmHistory] {
            assert!(!Role::Staff.may(p), "{p:?}");
            assert!(Role::Admin.may(p), "{p:?}");
        }
    }

    #[test]
    fn roles_parse_from_their_names_only() {
        assert_eq!(Role::parse("role", "admin").unwrap(), Role::Admin);
        assert_eq!(Role::parse("role", "Owner").unwrap_err().field, "role");
        assert_eq!(serde_json::to_string(&Role::Owner).unwrap(), "\"owner\"");
        #[derive(Deserialize)]
        struct R {
            #[serde(default)]
            role: Role,
        }
        assert_eq!(serde_json::from_str::<R>("{}").unwrap().role, Role::Staff, "no role named: the least");
    }
}

/// The README's "Roles and permissions" table says what [`TABLE`] says.
#[cfg(test)]
mod readme {
    use super::*;

    #[test]
    fn the_readme_table_is_the_table_in_code() {
        let readme = include_str!("../../../README.md");
        let section = readme.split("## Roles and permissions").nth(1).expect("README has a Roles and permissions section");
        let rows: Vec<Vec<&str>> = section
            .lines()
            .take_while(|l| !l.starts_with("## "))
            .filter(|l| l.starts_with("| `"))
            .map(|l| l.trim_matches('|').split('|').map(str::trim).collect())
            .collect();
        assert_eq!(rows.len(), TABLE.len(), "one README row per permission");
        for (row, (permission, roles, covers)) in rows.iter().zip(TABLE) {
            assert_eq!(row[0], format!("`{}`", permission.as_str()));
            for (i, role) in Role::ALL.iter().enumerate() {
                assert_eq!(row[1 + i] == "yes", roles.contains(role), "{} for {role}", permission.as_str());
            }
            assert_eq!(row[4], *covers);
        }
    }
}
