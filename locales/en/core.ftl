# Texts of vestnik's command line that are not about one rule: severities, the summary of a
# check. Each message here has a twin with the same variables in locales/ru/core.ftl.

severity-error = error
severity-warning = warning
hint = hint

check-verdict-passed = passed
check-verdict-failed = failed
# The summary line of `vestnik check`. $verdict is check-verdict-passed or -failed.
check-summary = vestnik check { $verdict }: { $errors } error(s), { $warnings } warning(s) in { $files } file(s), { $posts } post(s), { $organizations } organization(s); weeks { $from }..{ $to }, today { $today }
