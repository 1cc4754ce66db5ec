# Errors of the commands: why a command could not run (exit code 2). Each message has a twin with
# the same variables in locales/ru/errors.ftl. The English is what vestnik always printed: tests
# compare it byte for byte.

## A refusal of the system: $kind is its kind (not-found, permission-denied…), $os the system's
## own words, which English prints as they are.

io-error = { $kind ->
       *[other] { $os }
    }

## Flags.

cli-bad-lang = `{ $code }` is not a language vestnik speaks: ru or en
cli-bad-network = `{ $key }` is not vk, ok or telegram
# A flag's value that cannot be read: $flag is the flag (`--network`), $error what is wrong.
cli-bad-value = { $flag }: { $error }
cli-now = --now: { $error }
cli-publish-needs-due = `publish` needs --due (publish what is due now)
cli-resolve-bad-publication = give the publication as ORG/POST, as `vestnik status` shows it
cli-resolve-not-open = { $org }/{ $post } on { $network } is not uncertain or failed (see `vestnik status`)
cli-unknown-org = no organization `{ $org }` in the registry: check the `id` in plans/registry.yaml

## Commands.

cli-write = cannot write { $path }: { $reason }
cli-runtime = cannot start the runtime: { $reason }
cli-emulators = cannot start the emulators: { $reason }
cli-alerts-need-telegram = alerts need the Telegram bot of `networks.telegram`
cli-registry = { $root }: { $reason }
cli-registry-broken = { $file }: { $reason }

## The configuration file.

what-config = the configuration
what-config-source = the source
what-config-jobs = the jobs
what-config-alerts = the alerts
what-config-rate-limits = rate limits
what-config-network = a network
config-yaml = { $error }
config-at-network = { $network }: { $problem }
config-language = language: `{ $value }` is not ru or en
config-log = log: { $error }
config-monitor-not-loopback = monitor: { $addr } is not a loopback address; /healthz and /metrics have no authentication, so they listen on 127.0.0.1 or ::1 only
config-monitor-bad = monitor: `{ $value }` is not an address like 127.0.0.1:9187
config-source-incomplete = source needs `git` (the remote) and `checkout` (a folder of the daemon's own)
config-alerts-no-chat = alerts need `telegram_chat` (the МЦУ chat id or @username)
config-network-not-a-map = `{ $name }` must be a group of fields
config-network-unknown = unknown network `{ $name }` (vk, ok, telegram)
config-ok-no-key = `application_key` is missing
config-secret-missing = give `{ $env }` (an environment variable) or `{ $file }` (a file only its owner can read)
config-secret-in-repo = the secrets file { $path } is inside the content repository; move it out (e.g. to /etc/vestnik/) so it never reaches git
log-format-unknown = unknown log format `{ $value }`: expected `human` or `json`

## Secrets: tokens and keys. Their values are never shown.

secret-env-missing = the environment variable { $var } is not set
secret-env-not-unicode = the environment variable { $var } is not valid UTF-8
secret-env-empty = the environment variable { $var } is empty
secret-read = cannot read the secrets file { $path }: { $reason }
secret-too-open = the secrets file { $path } can be read by other users (mode { $mode }); make it private with `chmod 600 { $path }`
secret-not-a-file = the secrets file { $path } is not a regular file (a pipe, a device or a folder); give the path of a file that holds the value
secret-too-large = the secrets file { $path } is over { $kib } KB, far longer than a token; give the path of a file that holds only the value
secret-empty = the secrets file { $path } is empty

## The ledger.

ledger-storage = ledger storage: { $error }
ledger-open = cannot open the ledger { $path }: { $reason }
# $kind is SQLite's kind of failure, $error SQLite's own words.
ledger-reason = { $kind ->
        [unreachable] the PostgreSQL server cannot be reached: { $error }
        [authentication] the PostgreSQL server refused the user name or password
        [no-database] the PostgreSQL server has no such database
        [bad-address] the database's address is malformed; it reads postgres://user@host/database
        [postgres] PostgreSQL said: { $error }
       *[other] { $error }
    }
ledger-lock = ledger storage: the lock file { $path }: { $reason }
ledger-busy = another vestnik is publishing from the ledger { $path } ({ $holder }): `run` and `publish --due` cannot work side by side on one ledger; stop the other one first (`status` and `resolve` need no stop)
ledger-newer = the ledger { $path } was written by a newer `vestnik` (schema version { $found }; this one knows up to { $known }): update `vestnik`
ledger-not-a-ledger = { $path } is not a `vestnik` ledger: it has no table of publications. Check the path
ledger-holder-unknown = a process that did not say which
ledger-transition = ledger: { $key } cannot go from { $from } to { $to }

## A publishing pass.

pass-registry = the registry cannot be read: { $reason }
pass-client = cannot set up the { $network } client: { $reason }
pass-panicked = reading the plans panicked: { $error }

## The daemon.

daemon-git = the content repository cannot be fetched: { $error }
daemon-job = recurring job `{ $job }`: { $reason }

## Git.

git-spawn = cannot run `git` (is it installed and on PATH?): { $reason }
git-timeout = git { $what } did not finish within { $seconds }s and was stopped
git-failed = git { $what } failed ({ $code }): { $stderr }
git-exit-code = exit code { $code }
git-killed = killed by a signal
git-not-fast-forward = the remote branch { $branch } was rewritten: { $remote } does not descend from the last synced commit { $local }; the checkout stays at { $local } until the branch contains it again (or delete the checkout to accept the new history)
git-not-a-repository = { $path } exists but is not a git checkout; remove it or choose another checkout folder
git-remote-changed = the checkout { $path } is a clone of { $found }, not of the configured remote { $configured }; delete { $path } and vestnik will clone the configured repository
git-invalid-branch = invalid branch name "{ $name }": { $reason }
git-invalid-remote = invalid git remote "{ $remote }": { $reason }
git-invalid-commit = invalid commit id "{ $id }"
git-too-large = { $path } at { $commit } is larger than { $kib } KiB
git-io = { $what }: { $reason }

## The media cache.

cache-read = cannot read { $path }: { $reason }
cache-write = cannot write to the media cache at { $path }: { $reason }
cache-refused = cannot use { $path }: { $reason }
cache-unsafe = refusing the media cache folder { $path }: { $reason }
cache-unsafe-symlink = it is a symbolic link, which whoever can write to its folder can point elsewhere; give the real folder as the cache folder (`cache_dir`, or --cache-dir for preview)
cache-unsafe-not-a-folder = it is not a folder; remove it or choose another cache folder
cache-unsafe-owner = it belongs to another user (uid { $uid }), who could put pictures there that vestnik would publish; remove it, or choose a folder of your own as the cache folder (`cache_dir`, or --cache-dir for preview)
cache-unsafe-mode = other users can write to it (mode { $mode }) and so put pictures there that vestnik would publish; make it private with `chmod 700 { $path }`
cache-no-default = there is no folder of this user for the media cache: neither XDG_CACHE_HOME nor HOME is set to an absolute path; set `cache_dir` in the configuration (for preview: --cache-dir) to a folder only this user can write to

## check.

check-not-a-repository = { $root } is not a content repository: it has no plans/ folder (use --root to point at one)
check-io = cannot read { $path }: { $reason }
check-today = --today: { $error }
check-window = --from { $from } is after --to { $to }
check-changed-since = --changed-since: { $error }
check-git-spawn = cannot run git: { $reason }
check-git-failed = { $stderr }
check-not-a-revision = `{ $rev }` is not a revision (a branch, tag or commit; it cannot start with '-')
check-no-commit = `{ $rev }` names no commit of this repository

## Logging and the monitor.

log-filter = invalid log filter `{ $filter }`: { $error }
log-already-set = logging is already set up
monitor-not-loopback = cannot listen on { $addr }: the monitor listens on loopback only (127.0.0.1 or ::1); put a reverse proxy in front to expose it
monitor-bind = cannot listen for the monitor: { $reason }

## Copying the ledger (`ledger copy`).

ledger-copy-not-postgres = a ledger can only be copied into a PostgreSQL database, and { $to } is not one's address: it reads postgres://user@host/database
ledger-copy-not-empty = the database { $target } already holds publications ({ $rows }); give --force to add the ledger to them
ledger-copy-mismatch = the copy does not check out: { $counts }
ledger-copy-done = The ledger { $from } is copied into { $to }. Rows in SQLite → in PostgreSQL:
ledger-copy-count = { $what }: { $from } → { $to }
