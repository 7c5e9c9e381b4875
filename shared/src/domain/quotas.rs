//! Quotas: how much one contact, or one firm, may ask of the portal in a day.
//!
//! The per-source limits of `domain::throttle` guard the public routes; these guard what a
//! signed-in caller can make the portal store or do. Each is a count per owner per UTC day
//! (fixed windows, counted atomically in the table, see `ops::quotas`), refused with 429, a
//! `Retry-After` until the next day and a detail that says what the limit is.
//!
//! | quota | owner | per day | why |
//! |---|---|---|---|
//! | upload slots | contact | 200 | each slot is an item and up to the firm's upload cap of storage |
//! | upload slots | firm (staff and contacts) | 10,000 | the same, for the whole firm |
//! | threads started | contact | 30 | a thread notifies the firm's staff |
//! | messages posted | contact | 300 | each message is stored for the firm to read |
//!
//! The values are far above what people do in a day (a contact uploading a year of
//! receipts sends tens of files) and far below what a script can cost us. A firm whose
//! people need more asks the operators; the firm-wide figure is the one to raise.

use super::throttle::{wait_words, Rate, Window};

/// What is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quota {
    ContactUploads,
    FirmUploads,
    ContactThreads,
    ContactMessages,
}

pub const DAY: i64 = 86_400;

impl Quota {
    /// The name in the counter's key.
    pub fn name(self) -> &'static str {
        match self {
            Quota::ContactUploads => "contact_uploads",
            Quota::FirmUploads => "firm_uploads",
            Quota::ContactThreads => "contact_threads",
            Quota::ContactMessages => "contact_messages",
        }
    }

    pub fn rate(self) -> Rate {
        let limit = match self {
            Quota::ContactUploads => 200,
            Quota::FirmUploads => 10_000,
            Quota::ContactThreads => 30,
            Quota::ContactMessages => 300,
        };
        Rate { limit, window: DAY }
    }

    /// The day `now` (epoch seconds) counts in.
    pub fn window_at(self, now: i64) -> Window {
        self.rate().window_at(now)
    }

    /// What the refused caller reads (`wait`: seconds until the next day's count).
    pub fn refusal(self, wait: u64) -> String {
        let limit = self.rate().limit;
        let what = match self {
            Quota::ContactUploads => format!("You have started {limit} uploads today, the most one person may in a day."),
            Quota::FirmUploads => format!("Your firm's portal has taken {limit} uploads today, the most it may in a day; tell the firm."),
            Quota::ContactThreads => {
                format!("You have started {limit} conversations today, the most one person may in a day; you can still answer in the ones you have.")
            }
            Quota::ContactMessages => format!("You have sent {limit} messages today, the most one person may in a day."),
        };
        format!("{what} Try again in {}.", wait_words(wait))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_is_a_utc_day_and_the_wait_runs_to_its_end() {
        let now = 1_796_000_000 + 3_600; // some time of day
        let w = Quota::ContactUploads.window_at(now);
        assert_eq!(w.start % DAY, 0);
        assert!(w.start <= now && now < w.end && w.end - w.start == DAY);
        assert_eq!(Quota::ContactUploads.window_at(w.end).start, w.end, "the next day counts afresh");
    }

    #[test]
    fn refusals_say_the_limit_and_when_to_try_again() {
        let text = Quota::ContactThreads.refusal(3 * 3600);
        assert!(text.contains("30 conversations") && text.contains("3 hours"), "{text}");
        assert!(Quota::FirmUploads.refusal(60).contains("tell the firm"));
    }
}
