//! vestnik's integration tests, one binary (ripgrep's way): each module runs the real `vestnik`
//! binary or the library's public API against content repositories built in temp dirs and the
//! local emulators of the three APIs. `support` is the one module of shared setup.

mod support;

mod ahead;
mod alerts;
mod architecture;
mod audit;
mod calendar;
mod check;
mod codequality;
mod crash;
mod daemon;
mod errors;
mod git;
mod guide;
mod help;
mod hostile;
mod init;
mod ledger;
mod moderate;
mod moderation;
mod monitor;
mod ok;
mod preview;
mod publish;
mod rate;
mod region;
mod registry;
mod render;
mod report;
mod site;
mod status;
mod telegram;
mod video;
mod vk;
