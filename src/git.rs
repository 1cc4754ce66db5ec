//! The content repository from a git remote (work in progress).
