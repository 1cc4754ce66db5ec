//! Rendering: one parsed post turned into exactly what each network receives.
//!
//! `check` uses the same functions to judge lengths, so a plan that passes `check` publishes
//! without a network rejecting it.

pub mod markdown;
pub mod page;
pub mod publication;

pub use markdown::{Flavor, Problem, ProblemKind, Rendered, render};

use crate::plan::network::Network;

/// The markup flavour a network receives.
pub const fn flavor(network: Network) -> Flavor {
    match network {
        Network::Telegram => Flavor::TelegramHtml,
        Network::Vk | Network::Ok => Flavor::Plain,
    }
}

/// The length of rendered text in the unit `network` counts.
pub fn length(network: Network, r: &Rendered) -> usize {
    if network.limits().text_unit_is_utf16 {
        r.utf16_len()
    } else {
        r.char_len()
    }
}
