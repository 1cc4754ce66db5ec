# `vestnik report`: the МЦУ's view of compliance, for its head and for ЦУР.
# The same messages with the same variables are in locales/ru/report.ftl.

report-title = Official pages: compliance report
report-intro = From { $from } to { $to } (weeks { $first }–{ $last }), as of { $now }. The minimum is { $min } { $min ->
    [one] publication
   *[other] publications
} a week on every official page.
report-plan-only = No ledger was given, so this report reads the content plan alone: it shows what is planned, not what went out. To see what was published, run the report with --ledger or --config.
report-window = the weeks { $from }–{ $to } do not fit: the start must not be after the end, and a report covers at most { $max } weeks
report-yes = yes
report-no = no
report-unknown = not given
report-gospubliki = { $state ->
    [connected] connected
    [requested] requested
    [not-connected] not connected
   *[other] not given
}
report-sheet-registry = Registry
report-sheet-weeks = Weeks
report-sheet-problems = Problems
report-col-organization = Organization
report-col-network = Network
report-col-page = Page
report-col-verified = Verified (Госорганизация)
report-col-two-factor = Two-factor
report-col-gospubliki = Госпаблики
report-col-responsible = Responsible
report-col-position = Position
report-col-phone = Phone
report-col-email = E-mail
report-col-since = Responsible since
report-col-profile = Page profile
report-col-website = Website
report-col-id = Organization id
report-col-week = Week
report-col-monday = Monday
report-col-ready = Ready
report-col-external = External
report-col-drafts = Drafts
report-col-published = Published
report-col-failed = Failed
report-col-missed = Missed
report-col-uncertain = Uncertain
report-col-counted = Counted
report-col-basis = Counted from
report-col-meets = Minimum met
report-col-severity = Severity
report-col-rule = Rule
report-col-file = File
report-col-line = Line
report-col-column = Column
report-col-message = What is wrong
report-col-hint = How to fix it
report-col-pages = Pages
report-col-weeks-met = Weeks met
report-col-weeks-short = Weeks short
report-profile-complete = complete
report-profile-field = { $field ->
    [description] description
    [address] address
    [map] map
    [phones] phones
   *[hours] opening hours
}
report-profile-missing = missing: { $fields }
report-basis = { $basis ->
    [published] ledger
   *[planned] plan
}
report-general = General findings
report-organizations = Organizations
report-heat-title = Publications per week
report-heat-caption = Each cell holds the count of the organization's weakest page that week. Hover to see every page.
report-legend-ok = ✓ — at least { $min }
report-legend-short = ✗ — fewer than { $min }: the minimum is not met
report-legend-plan = italic — from the plan: the week has not ended, or there is no ledger
report-no-pages = no official pages
report-totals-title = Totals per network
report-trend-published = Published per week, all pages
report-trend-planned = Planned per week, all pages
report-trend-goal = minimum: { $goal } ({ $min } per page)
report-org-required = { $required ->
    [yes] must run pages (Appendix 2 of the decree)
   *[no] runs pages by choice (Appendix 3 of the decree)
}
report-org-profile = page profile: { $state }
report-org-gospubliki = Госпаблики: { $state }
report-org-responsible = responsible: { $who }
report-org-responsible-since = responsible: { $who }, since { $since }
report-org-no-responsible = no responsible appointed
report-org-comments = Comment moderation in these weeks: { $deleted } deleted, { $reported } left for the responsible
report-page-state = verified: { $verified ->
    [yes] yes
    [no] no
   *[other] not given
}, two-factor: { $two_factor ->
    [yes] yes
    [no] no
   *[other] not given
}, weeks short: { $short } of { $weeks }
report-no-problems = No problems found.
report-hint = How to fix it: { $hint }
cli-report-plan-only = no ledger given (`--ledger` or `--config`): the report reads the content plan alone
cli-report-separator = the separator `{ $value }` does not fit: write `,` or `;` (a Russian Excel expects `;`)
cli-report-xlsx = cannot build the Excel file: { $error }
