# The command line's help: what `vestnik --help`, `vestnik <command> --help`, the completion
# scripts and the man pages show. The keys are derived from clap's tree (src/cli/help.rs):
#
#   help-<command path joined by ->      a command:  help-check, help-registry-changes;
#                                        the root is help-vestnik, clap's `help` command help-help
#   <command key>--<long flag or id>     an argument: help-check--root, help-preview--file;
#                                        a global flag belongs to the root: help-vestnik--lang
#   <argument key>--<value>              a possible value: help-check--format--json
#   <key>-long                           the longer text, where the doc comment has one
#   help-value-<value name, lower case>  a value name: <DATE> is help-value-date
#   help-flag-help(-more), help-flag-version clap's own -h/--help and -V/--version
#
# This English catalogue is the doc comments as clap reads them (first paragraph, no final
# period); `english_catalogue_is_the_doc_comments` keeps the two equal, so a changed doc comment
# changes here too. `{"{"}` and `{"}"}` write a brace.

## clap's own words

help-usage = Usage
help-commands = Commands
help-arguments = Arguments
help-options = Options
help-value-options = OPTIONS
help-value-command = COMMAND
help-default = [default: { $value }]
help-values = [possible values: { $values }]
help-values-heading = Possible values
help-flag-help = Print help
help-flag-version = Print version
help-flag-help-more = Print help (see more with '--help')
help-flag-help-more-long = Print help (see a summary with '-h')

## The section headings of the man pages

help-man-name = Name
help-man-synopsis = Synopsis
help-man-description = Description
help-man-options = Options
help-man-version = Version

## clap's errors (English keeps clap's own text; these are for the parity with Russian)

help-error-unknown-argument = unexpected argument `{ $arg }`
help-error-unknown-command = unrecognized command `{ $command }`
help-error-empty-value = `{ $flag }` needs a value
help-error-invalid-value = `{ $flag }`: invalid value `{ $value }`; possible values: { $valid }
help-error-missing = required arguments were not given: { $args }
help-error-missing-command = a command is required
help-error-conflict = `{ $arg }` cannot be used with { $other }
help-error-no-equals = `{ $flag }` takes its value after `=`
help-error-too-many = `{ $flag }`: unexpected value `{ $value }`
help-error-count = `{ $flag }`: wrong number of values
help-error-other = the command line cannot be read
help-error-suggested = Did you mean { $suggested }?
help-error-usage = Usage: { $usage }
help-error-more = More: `{ $command } --help`

## Value names

help-value-lang = LANG
help-value-root = ROOT
help-value-date = DATE
help-value-week = WEEK
help-value-id = ID
help-value-rev = REV
help-value-format = FORMAT
help-value-file = FILE
help-value-network = NETWORK
help-value-output = OUTPUT
help-value-cache-dir = CACHE_DIR
help-value-seconds = SECONDS
help-value-time = TIME
help-value-limit = LIMIT
help-value-speed = SPEED
help-value-publication = PUBLICATION
help-value-path = PATH
help-value-table = TABLE
help-value-separator = SEPARATOR
help-value-shell = SHELL
help-value-dir = DIR

## Commands and their arguments

help-vestnik = Content plans in git, validated in CI and published to VK, OK and Telegram
help-vestnik--lang = The language of the texts people read: ru (the default) or en. Also VESTNIK_LANG

help-check = Validate the content repository: plans, registry, media, style. For CI
help-check--root = The content repository (holds plans/ and media/)
help-check--today = Evaluate as if today were DATE (2026-12-01 or 2026-12-01 09:00), in the registry's zone
help-check--from = First ISO week judged by the weekly rules (default: the current week), e.g. 2026-W49
help-check--to = Last ISO week judged by the weekly rules (default: the last planned week)
help-check--org = Report only this organization's problems
help-check--changed-since = Report only organizations whose files changed since this git revision
help-check--deny-warnings = Fail on warnings too
help-check--format = Output format
help-check--format--human = For people: positions, source lines with carets, hints
help-check--format--json = One JSON object with `diagnostics` and `summary`
help-check--format--github = GitHub Actions annotations (`::error file=…,line=…::…`)

help-preview = Show what each network will receive for the posts of one file
help-preview--file = A post (`.md`) or plan (`.yaml`) under plans/<org-id>/ (not with --changed-since)
help-preview--root = The content repository
help-preview--network = Only this network
help-preview--format = Output format
help-preview--format--text = For a terminal
help-preview--format--json = One JSON object
help-preview--format--html = A self-contained page: the three feeds side by side
help-preview--output = Write to this file instead of standard output (handy for `--format html`)
help-preview--cache-dir = Where processed images are cached, a folder only you can write to (default: $XDG_CACHE_HOME/vestnik/media or ~/.cache/vestnik/media)

help-rules = List the rules of `check` with their ids and default severities

help-sandbox = Run local emulators of the VK, OK and Telegram APIs, seeded with the registry's pages
help-sandbox--root = The content repository whose registry seeds the emulators
help-sandbox--seconds = Stop after this many seconds (default: run until Ctrl-C)

help-publish = Publish what is due now (one pass), then exit: for a system timer
help-publish--due = Publish what is due now and exit (the only mode so far; the daemon is `vestnik run`)
help-publish--root = The content repository
help-publish--config = The daemon's configuration (ledger, networks, secrets files)
help-publish--now = Act as if now were this time (tests, catching up), in the registry's zone
help-publish--limit = Most publications sent in this pass
help-publish--log-format = Log lines as `human` text or `json` (overrides the config's `log`), on stderr as `run` writes them: a system timer's journal keeps a record of what was sent

help-run = Keep publishing: sleep until the next due publication, re-read the plans when they change
help-run--root = The content repository
help-run--config = The daemon's configuration (ledger, networks, secrets files)
help-run--log-format = Log lines as `human` text or `json` (overrides the config's `log`)
help-run--sandbox = A demo without any token: publish into the local emulators of the three APIs (started in this process), with a ledger in a temporary folder
help-run--start = With --sandbox: the time the demo starts at, in the registry's zone (default: now)
help-run--speed = With --sandbox: how many seconds pass per real second (3600: an hour a second)
help-run--until = With --sandbox: stop when the demo's clock reaches this time

help-status = Show the ledger: upcoming, published, failed, uncertain, missed
help-status--config = The daemon's configuration (to find the ledger)
help-status--root = The content repository, for the district's zone in its registry (the default zone, Asia/Novokuznetsk, when it has none)
help-status--format = Output format
help-status--format--human = One line per publication (local time, network, organization/post, state), then why a row waits or failed, since when and its next attempt, and a summary
help-status--format--json = One JSON object: `publications`, each with `org`, `post`, `network`, `due`, `state`, `attempts`, `remote_id`, `url`, `reason`, `since`, `next_attempt` (times in UTC, RFC 3339)

help-moderate = Moderate users' comments on the official pages once: read, judge, delete or report, journal
help-moderate--dry-run = Judge and print what would be done, changing nothing: nothing deleted or journaled, no Telegram update taken from the bot's queue
help-moderate--root = The content repository (the registry says which pages are moderated, and how)
help-moderate--config = The daemon's configuration (ledger, networks, secrets files)
help-moderate--org = Only the pages of this organization
help-moderate--format = Output format
help-moderate--format--human = One line per comment acted on: journal id, action, network, category, rule, excerpt
help-moderate--format--json = One JSON object (see docs/moderation.md)

help-resolve = Settle an uncertain or failed publication after looking at the page
help-resolve--config = The daemon's configuration (to find the ledger)
help-resolve--publication = The publication: `ORG/POST` as `status` shows it
help-resolve--network = The network
help-resolve--published = It is on the page: record it as published (nothing is sent)
help-resolve--resend = It is not on the page: send it again at the next pass

help-site = The block of official pages for each organization's website (HTML to paste, or JSON)
help-site--root = The content repository
help-site--org = Only this organization (its id in the registry)
help-site--format = Output format
help-site--format--html = With `--org`: the block to paste into the website. Without: a page with every organization's block and its code, for the webmasters
help-site--format--json = `{"{"}"organizations": [{"{"}"id", "name", "website", "pages": [{"{"}"network", "label", "url"{"}"}]{"}"}]{"}"}`
help-site--output = Write to this file instead of standard output

help-calendar = The content plan as a calendar: an iCalendar feed, or an HTML month view
help-calendar--root = The content repository
help-calendar--org = Only this organization (its id in the registry)
help-calendar--format = Output format
help-calendar--format--ics = An iCalendar feed (RFC 5545): one event per post, for Яндекс Календарь, Google, Outlook
help-calendar--format--html = A self-contained page: each month's weeks with their posts and count against the minimum
help-calendar--output = Write to this file instead of standard output

help-registry = The registry of official pages: what changed between revisions, notices to ЦУР

help-registry-changes = What changed in the registry between two git revisions (to the working tree by default), with the notices to ЦУР
help-registry-changes--root = The content repository (a git checkout)
help-registry-changes--since = The revision to compare from (a commit, branch or tag)
help-registry-changes--to = The revision to compare to (default: the registry as it is in the working tree)
help-registry-changes--format = Output format
help-registry-changes--format--text = Per organization, a line per change, then the notices to ЦУР
help-registry-changes--format--json = `{"{"}"since", "to", "changes": [{"{"}"kind", "org", …{"}"}], "notices": [{"{"}"org", "text"{"}"}]{"}"}`

help-help = Print this message or the help of the given subcommand(s)

help-report = The МЦУ's compliance report: every organization, page and week, with the registry and the problems; HTML to mail, XLSX and CSV for ЦУР, JSON for scripts
help-report--root = The content repository
help-report--from = First ISO week, e.g. 2026-W37 (default: 12 weeks before the current one)
help-report--to = Last ISO week (default: the current week and the weeks that must be planned ahead)
help-report--org = Only this organization (its id in the registry)
help-report--config = The daemon's configuration, to find its ledger (what was published)
help-report--ledger = The ledger itself. Without it (or `--config`) the report reads the plan alone
help-report--format = Output format
help-report--format--html = One self-contained page to mail: a heat map organization × week, totals, a chart, each organization's pages and problems
help-report--format--xlsx = A workbook with the sheets «Реестр», «Недели» and «Проблемы»
help-report--format--csv = One table (`--table`) as CSV, UTF-8 with a byte order mark
help-report--format--json = Everything, with the keys documented in docs/report.md
help-report--table = With `--format csv`: which table
help-report--table--weeks = Organization × page × week
help-report--table--registry = One row per organization and page, with the columns ЦУР asks for
help-report--table--problems = Every problem `check` finds
help-report--separator = With `--format csv`: the field separator, `,` or `;` (a Russian Excel expects `;`)
help-report--today = Report as if today were DATE (2026-12-01 or 2026-12-01 09:00), in the registry's zone
help-report--output = Write to this file instead of standard output

help-completions = Print the shell's completion script: bash, zsh or fish
help-completions--shell = The shell
help-completions--shell--bash = Bash: `source <(vestnik completions bash)`, or a file in /etc/bash_completion.d/
help-completions--shell--zsh = Zsh: a file `_vestnik` in a folder of `$fpath`
help-completions--shell--fish = Fish: ~/.config/fish/completions/vestnik.fish

help-man = Print the manual page vestnik.1, or write it and a page per command into a folder
help-man--dir = Write vestnik.1 and a page per command into this folder instead of printing vestnik.1

help-check--format--gitlab = A GitLab Code Quality report: a JSON array of issues (`artifacts: reports: codequality:`)
help-preview--changed-since = Every post or plan file changed since this git revision: one HTML page each and an index.html, written into the folder `-o` (with `--format html`), for a merge request
help-init = Scaffold a new content repository: registry, an example post, CI files, README
help-init--dir = The folder of the new content repository (created if missing; may be a fresh clone)
help-init--from-decree = The decree's organizations (appendices 2 and 3) instead of one example organization
help-init--ci = CI files for these platforms (repeat or separate with commas)
help-value-ci = CI
help-init--ci--gitlab = `.gitlab-ci.yml`
help-init--ci--github = `.github/workflows/vestnik.yml`
help-init--ci--forgejo = `.forgejo/workflows/vestnik.yml`
help-init--ci--all = All three
help-init--lfs = Pictures (media/) through Git LFS, in .gitattributes

help-moderation = The moderation of comments: rate comments offline with the rules, read the journal, restore a deleted comment
help-moderation-classify = Rate comments read one a line from stdin: keep, hold or delete, with the rules that fired
help-moderation-classify--root = The content repository whose plans/moderation.yaml adds to the built-in rules (none: the built-in rules alone)
help-moderation-classify--format = Output format
help-moderation-classify--format--json = One JSON object a line: `{"{"}"text", "verdict", "reasons": [{"{"}"rule", "category", "match"{"}"}]{"}"}`
help-moderation-classify--format--human = A line a comment with its verdict, then a line a reason
help-moderation-log = Show the moderation journal, newest first: what was deleted or reported, where, why
help-moderation-log--config = The daemon's configuration (to find the ledger)
help-moderation-log--org = Only this organization's actions
help-moderation-log--limit = The newest actions shown
help-moderation-log--root = The content repository, for the district's zone in its registry
help-moderation-log--format = Output format
help-moderation-log--format--human = One line per comment acted on: journal id, action, network, category, rule, excerpt
help-moderation-log--format--json = One JSON object (see docs/moderation.md)
help-moderation-restore = Bring back a deleted comment by its journal id, where the network allows (VK)
help-moderation-restore--id = The journal id of the deletion (`vestnik moderation log` shows it)
help-moderation-restore--root = The content repository
help-moderation-restore--config = The daemon's configuration (ledger, networks, secrets files)
help-audit = Audit the real pages once: publications per week, the verification mark, the profile, access, Госпаблики; what was seen is kept in the ledger
help-audit--config = The daemon's configuration (ledger, networks, secrets files)
help-audit--root = The content repository (the registry names the pages)
help-audit--org = Only the pages of this organization
help-audit--from = The first ISO week audited, like 2026-W45 (default: three weeks before --to)
help-audit--to = The last ISO week audited (default: the last week that is over, in the district's zone)
help-audit--format = Output format
help-audit--format--human = As `check` prints its diagnostics, with a summary line
help-audit--format--json = One JSON object (see docs/audit.md)

help-ledger = The ledger itself: copy a SQLite ledger into PostgreSQL
help-ledger-copy = Copy a SQLite ledger into a PostgreSQL database, every table, checked by row counts and by publications per state
help-ledger-copy--from = The SQLite ledger to copy: `sqlite:PATH` or a path
help-ledger-copy--to = The PostgreSQL database to copy into: `postgres://user@host/database`
help-ledger-copy--force = Copy into a database that already holds publications, keeping the rows it has
help-value-ledger = LEDGER
help-value-url = URL
