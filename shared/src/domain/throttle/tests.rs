use super::*;

const T0: i64 = 1_800_000_000; // a multiple of 300 and of 900

fn policy() -> Lockout {
    Limits::production().lockout
}

/// Make `n` attempts at `now` that all fail; the state afterwards.
fn fail(p: &Lockout, mut stored: Option<Attempts>, now: i64, n: u32) -> Option<Attempts> {
    for _ in 0..n {
        match p.admit(stored.as_ref(), now) {
            Verdict::Go(next) => stored = Some(next),
            Verdict::Wait(w) => panic!("refused (wait {w}s) while failing on purpose"),
        }
    }
    stored
}

#[test]
fn windows_are_fixed_and_half_open() {
    let r = Rate { limit: 30, window: 300 };
    assert_eq!(r.window_at(T0), Window { start: T0, end: T0 + 300 });
    assert_eq!(r.window_at(T0 + 299), Window { start: T0, end: T0 + 300 });
    assert_eq!(r.window_at(T0 + 300), Window { start: T0 + 300, end: T0 + 600 });
    assert_eq!(r.window_at(T0 - 1).end, T0);
}

#[test]
fn five_failures_lock_for_a_minute_then_the_lock_doubles_up_to_fifteen() {
    let p = policy();
    assert_eq!((1..=4).map(|n| p.lock_for(n)).collect::<Vec<_>>(), vec![None; 4]);
    let locks: Vec<_> = (5..=11).map(|n| p.lock_for(n).unwrap()).collect();
    assert_eq!(locks, vec![60, 120, 240, 480, 900, 900, 900]);
    assert_eq!(p.lock_for(u32::MAX), Some(900), "no overflow however many failures");

    // four failures: the fifth attempt still goes ahead (and, if it fails, locks)
    let s = fail(&p, None, T0, 4);
    assert_eq!(s.unwrap().locked_until, None);
    let s = fail(&p, s, T0 + 10, 1).unwrap();
    assert_eq!((s.failures, s.locked_until), (5, Some(T0 + 70)));
    // while locked: refused with the time left, and the refusal is not counted
    assert_eq!(p.admit(Some(&s), T0 + 10), Verdict::Wait(60));
    assert_eq!(p.admit(Some(&s), T0 + 69), Verdict::Wait(1));
    // the lock ended: one more attempt, which locks for two minutes if it fails
    let s = fail(&p, Some(s), T0 + 70, 1).unwrap();
    assert_eq!((s.failures, s.locked_until), (6, Some(T0 + 190)));
}

#[test]
fn a_success_clears_the_count() {
    // success deletes the stored attempts: the next attempt starts from nothing
    let p = policy();
    let s = fail(&p, None, T0, 4);
    assert!(matches!(p.admit(s.as_ref(), T0), Verdict::Go(a) if a.failures == 5));
    assert!(matches!(p.admit(None, T0), Verdict::Go(a) if a.failures == 1 && a.locked_until.is_none()));
}

#[test]
fn failures_are_forgotten_fifteen_minutes_after_the_last_one_or_its_lock() {
    let p = policy();
    let s = fail(&p, None, T0, 4).unwrap();
    assert!(matches!(p.admit(Some(&s), T0 + 899), Verdict::Go(a) if a.failures == 5));
    assert!(matches!(p.admit(Some(&s), T0 + 900), Verdict::Go(a) if a.failures == 1));
    // a 15-minute lock keeps the count for 15 minutes after the lock ends
    let s = fail(&p, None, T0, 5).unwrap();
    let s = (0..4).fold(s, |s, _| fail(&p, Some(s), s.locked_until.unwrap(), 1).unwrap());
    assert_eq!((s.failures, s.locked_until.unwrap() - s.last_at), (9, 900));
    let end = s.locked_until.unwrap();
    assert!(matches!(p.admit(Some(&s), end + 899), Verdict::Go(a) if a.failures == 10 && a.locked_until == Some(end + 899 + 900)));
    assert!(matches!(p.admit(Some(&s), end + 900), Verdict::Go(a) if a.failures == 1));
    assert_eq!(p.forget_at(&s), end + 900);
}

#[test]
fn an_attacker_cannot_lock_an_account_for_longer_than_the_cap_after_their_last_failure() {
    // refused attempts never extend the lock: hammering a locked account changes nothing
    let p = policy();
    let s = fail(&p, None, T0, 5).unwrap();
    for t in T0..T0 + 60 {
        assert!(matches!(p.admit(Some(&s), t), Verdict::Wait(_)));
    }
    assert!(matches!(p.admit(Some(&s), T0 + 60), Verdict::Go(_)), "the lock ends on time");
    // and however many failures, one lock is at most 15 minutes
    let worst = (0..50).fold(s, |s, _| fail(&p, Some(s), s.locked_until.unwrap(), 1).unwrap());
    assert_eq!(worst.locked_until.unwrap() - worst.last_at, 900);
}

#[test]
fn waits_are_worded_for_people() {
    assert_eq!(wait_words(0), "1 second");
    assert_eq!(wait_words(29), "29 seconds");
    assert_eq!(wait_words(30), "1 minute");
    assert_eq!(wait_words(59), "1 minute");
    assert_eq!(wait_words(60), "1 minute");
    assert_eq!(wait_words(61), "2 minutes");
    assert_eq!(wait_words(900), "15 minutes");
    assert_eq!(Step::Password.refusal(60), "Too many failed sign-in attempts for this email address. Try again in 1 minute.");
    assert_eq!(Scope::SignIn.refusal(125), "Too many sign-in attempts from your network. Try again in 3 minutes.");
}

#[test]
fn sources_are_addresses_ipv6_counts_per_64_and_headers_play_no_part() {
    assert_eq!(source_key(Some("203.0.113.7")), "203.0.113.7");
    assert_eq!(source_key(Some("::ffff:203.0.113.7")), "203.0.113.7");
    let a = source_key(Some("2001:db8:1:2:aaaa::1"));
    assert_eq!(a, "2001:db8:1:2::/64");
    assert_eq!(a, source_key(Some("2001:db8:1:2:ffff:ffff:ffff:ffff")));
    assert_ne!(a, source_key(Some("2001:db8:1:3::1")));
    assert_eq!(source_key(None), "unknown");
    assert_eq!(source_key(Some("203.0.113.7, 10.0.0.1")), "unknown", "a list (a forwarded header's form) is not an address");
}

#[test]
fn production_defaults() {
    let l = Limits::production();
    assert_eq!(l.source_limits(), "sign_in=30/300,mfa=30/300,refresh=120/300,invite=60/300,create_account=10/300");
    assert_eq!(l.lockout, Lockout { after: 5, within: 900, first: 60, max: 900 });
    assert!(!l.is_exempt(Some("127.0.0.1")));
    assert_eq!(Limits::from_lookup(|_| None).unwrap(), l);
    assert_eq!(Limits::from_lookup(|_| Some("  ".into())).unwrap(), l);
}

#[test]
fn the_environment_overrides_what_it_names() {
    let env = [(ENV_SOURCE_LIMITS, "sign_in=3/60, invite = 5/10"), (ENV_LOCKOUT, "after=3,max=120"), (ENV_EXEMPT, "127.0.0.1, 10.1.0.0/16,2001:db8::/32")];
    let l = Limits::from_lookup(|k| env.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())).unwrap();
    assert_eq!(l.rate(Scope::SignIn), Rate { limit: 3, window: 60 });
    assert_eq!(l.rate(Scope::InviteLookup), Rate { limit: 5, window: 10 });
    assert_eq!(l.rate(Scope::Refresh), Limits::production().rate(Scope::Refresh));
    assert_eq!(l.lockout, Lockout { after: 3, within: 900, first: 60, max: 120 });
    for ip in ["127.0.0.1", "10.1.255.3", "::ffff:10.1.0.9", "2001:db8:ffff::1"] {
        assert!(l.is_exempt(Some(ip)), "{ip}");
    }
    for ip in ["127.0.0.2", "10.2.0.1", "2001:db9::1", "garbage"] {
        assert!(!l.is_exempt(Some(ip)), "{ip}");
    }
    assert!(!l.is_exempt(None));
}

#[test]
fn bad_values_name_their_variable() {
    for (var, value) in [
        (ENV_SOURCE_LIMITS, "signin=3/60"),
        (ENV_SOURCE_LIMITS, "sign_in=3"),
        (ENV_SOURCE_LIMITS, "sign_in=0/60"),
        (ENV_SOURCE_LIMITS, "sign_in=3/0"),
        (ENV_LOCKOUT, "after=0"),
        (ENV_LOCKOUT, "lock=600,max=60"),
        (ENV_LOCKOUT, "forever=1"),
        (ENV_EXEMPT, "localhost"),
        (ENV_EXEMPT, "10.0.0.0/33"),
    ] {
        let err = Limits::from_lookup(|k| (k == var).then(|| value.to_string())).unwrap_err();
        assert!(err.0.starts_with(var), "{value}: {err}");
    }
}

#[test]
fn cidr_blocks() {
    let n = Net::parse("203.0.113.0/24").unwrap();
    assert!(n.contains("203.0.113.255".parse().unwrap()) && !n.contains("203.0.114.0".parse().unwrap()));
    assert!(Net::parse("0.0.0.0/0").unwrap().contains("198.51.100.1".parse().unwrap()));
    assert!(!Net::parse("0.0.0.0/0").unwrap().contains("::1".parse().unwrap()), "families do not mix");
    assert!(Net::parse("::1").unwrap().contains("::1".parse().unwrap()));
    assert!(Net::parse("1.2.3.4/x").is_none() && Net::parse("::/129").is_none());
}

#[test]
fn the_template_states_the_production_defaults() {
    // infra/template.yaml's parameters repeat the defaults, so a deployed stage gets them
    // whether or not the environment is set: the two must agree.
    let template = std::fs::read_to_string(crate::testing_root().join("infra/template.yaml")).unwrap();
    let default_of = |param: &str| -> String {
        let at = template.find(&format!("\n  {param}:\n")).unwrap_or_else(|| panic!("no parameter {param}"));
        let line = template[at..].lines().find(|l| l.trim_start().starts_with("Default:")).unwrap();
        line.trim_start().trim_start_matches("Default:").trim().trim_matches('"').to_string()
    };
    let env = [(ENV_SOURCE_LIMITS, default_of("SourceLimits")), (ENV_LOCKOUT, default_of("SignInLockout")), (ENV_EXEMPT, default_of("ThrottleExemptSources"))];
    let from_template = Limits::from_lookup(|k| env.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone())).unwrap();
    assert_eq!(from_template, Limits::production());
    assert_eq!(default_of("SourceLimits"), Limits::production().source_limits());
}
