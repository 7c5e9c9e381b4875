//! The contacts pool's password rules, checked before we ask Cognito, so the Create
//! Account page can say exactly what is missing.

use crate::error::{Error, Result};

/// The contacts pool's password rules, read from Cognito once per cold start so the
/// message a contact sees is the pool's own rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordRules {
    pub min_length: usize,
    pub upper: bool,
    pub lower: bool,
    pub digit: bool,
    pub symbol: bool,
}

impl PasswordRules {
    pub fn describe(&self) -> String {
        let mut needs = Vec::new();
        if self.upper {
            needs.push("an upper-case letter");
        }
        if self.lower {
            needs.push("a lower-case letter");
        }
        if self.digit {
            needs.push("a number");
        }
        if self.symbol {
            needs.push("a symbol");
        }
        let mut text = format!("must be at least {} characters long", self.min_length);
        if !needs.is_empty() {
            let last = needs.pop().unwrap_or_default();
            let list = if needs.is_empty() { last.to_string() } else { format!("{} and {last}", needs.join(", ")) };
            text.push_str(&format!(" and contain {list}"));
        }
        text
    }

    pub fn check(&self, password: &str) -> Result<()> {
        let ok = password.chars().count() >= self.min_length
            && password.chars().count() <= 256
            && (!self.upper || password.chars().any(|c| c.is_uppercase()))
            && (!self.lower || password.chars().any(|c| c.is_lowercase()))
            && (!self.digit || password.chars().any(|c| c.is_ascii_digit()))
            && (!self.symbol || password.chars().any(|c| !c.is_alphanumeric() && !c.is_whitespace()))
            && password.trim() == password;
        if ok {
            Ok(())
        } else {
            Err(Error::field("password", format!("{} (and may not start or end with a space)", self.describe())))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> PasswordRules {
        PasswordRules { min_length: 10, upper: true, lower: true, digit: true, symbol: false }
    }

    #[test]
    fn the_rule_reads_as_a_sentence() {
        assert_eq!(rules().describe(), "must be at least 10 characters long and contain an upper-case letter, a lower-case letter and a number");
    }

    #[test]
    fn weak_passwords_are_refused_with_the_rule() {
        for weak in ["short1A", "alllowercase123", "ALLUPPERCASE123", "NoDigitsHereAtAll", " Leading1space"] {
            let e = rules().check(weak).unwrap_err();
            assert!(e.public_detail().contains("at least 10 characters"), "{weak}");
        }
        assert!(rules().check("Correct-Horse-42").is_ok());
    }
}
