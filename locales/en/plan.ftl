# Problems found while reading plans, the registry and YAML (the plan stage). Each message here
# has a twin with the same variables in locales/ru/plan.ftl. The English is what vestnik always
# printed: tests compare it byte for byte.

## What a group of fields describes: $what in the yaml-… messages.

what-plan-file = a plan file
what-post = a post
what-front-matter = the front matter
what-poll = the poll
what-video = the `video` block
what-live = the `live` block
what-override-vk = the `vk` override
what-override-ok = the `ok` override
what-override-telegram = the `telegram` override
what-registry = the registry
what-rules = `rules`
what-organization = an organization
what-responsible = `responsible`
what-profile = `profile`
what-page-vk = the VK page
what-page-ok = the OK page
what-page-telegram = the Telegram page

## What a YAML value is: $found.

kind-null = nothing
kind-bool = true/false
kind-number = a number
kind-text = text
kind-list = a list
kind-map = a group of fields

## The field reader.

# One name in a list of field names or rule ids.
yaml-name = { $name }
yaml-not-a-map = { $what } must be a group of `field: value` lines, found { $found }
yaml-not-a-map-hint = write one field per line, like `date: 2026-12-01 09:00`
# $expected is one of the yaml-expect-… messages.
yaml-wrong-type = `{ $key }` in { $what } must be { $expected }, found { $found }
yaml-expect-text = text
yaml-expect-text-hint = write the value on the same line after the colon
yaml-expect-bool = true or false
yaml-expect-bool-hint = write `true` or `false` (without quotes)
yaml-expect-number = a whole number from { $lo } to { $hi }
yaml-expect-number-hint = write a number from { $lo } to { $hi }
yaml-expect-list = a list
yaml-expect-list-hint = write a list like `[a, b]` or one `- item` per line
yaml-expect-text-list = a list of texts
yaml-expect-text-list-hint = each item must be plain text
yaml-expect-map = a group of fields
yaml-expect-map-hint = indent the fields under it by two spaces
yaml-missing = { $what } has no `{ $key }`
yaml-missing-hint = add a line like `{ $key }: { $example }`
yaml-unknown-field = unknown field `{ $name }` in { $what }
yaml-unknown-field-did-you-mean = did you mean `{ $best }`? Known fields: { $known }
yaml-unknown-field-known = known fields: { $known }

## YAML that does not parse ($parser is the parser's own words).

yaml-duplicate-key = the field `{ $key }` is written twice
yaml-too-big = { $parser } (the file expands to too much data: anchors/aliases or nesting)
yaml-binary = binary values are not allowed here

## Posts and plans.

post-front-matter-yaml = the front matter is not valid YAML: { $error }
post-front-matter-yaml-hint = fix the YAML between the `---` lines
post-plan-yaml = the plan is not valid YAML: { $error }
post-plan-yaml-hint = fix the YAML at this position; the other files are still checked
post-posts-not-a-list = `posts` must be a list of posts, found { $found }
post-posts-not-a-list-hint = write each post as a `- date: …` item under `posts:`
post-no-posts = a plan file needs a `posts:` list
post-no-posts-hint = start the file with `posts:` and list the posts under it as `- date: …` items
post-bad-id = `id` must be letters, digits, '-', '_' and '.' (at most { $max }), not `{ $value }`
post-bad-id-hint = write a short name such as `concert-2026`, or leave `id` out to use the file name
post-networks-empty = `networks` is empty, so the post would go nowhere
post-networks-empty-hint = leave `networks` out to publish on every page, or name them: [vk, telegram]
post-unknown-network = `{ $value }` is not a network vestnik knows
post-unknown-network-hint = networks are vk, ok and telegram
post-bad-status = `status` must be ready or draft, not `{ $value }`
post-bad-status-hint = write `status: draft` for a topic whose text is not final, or leave `status` out
post-bad-external = `external` must name who publishes the post, or be true
post-bad-external-hint = write e.g. `external: Госпаблики`
post-poll-no-options = the poll has no `options`
post-poll-no-options-hint = add `options: [Да, Нет]`
post-live-url = the stream's link must start with `https://`
post-live-url-hint = copy the stream's link from the browser's address bar
# $error is one of the date-… messages.
post-poll-closes = poll `closes`: { $error }
post-no-front-matter = a post file must start with front matter: a `---` line, the post's fields, and another `---` line
post-no-front-matter-hint = put `---` on the first line, then `date: 2026-12-01 09:00`, then `---`, then the text
post-front-matter-unclosed = the front matter opened on line 1 is never closed
post-front-matter-unclosed-hint = add a line with just `---` after the last field, before the text of the post

## The registry, plans/registry.yaml.

registry-yaml = the registry is not valid YAML: { $error }
registry-yaml-hint = fix the YAML at this position; until then checks that need the registry are skipped
registry-timezone-hint = use an IANA name such as Asia/Novokuznetsk
registry-orgs-not-a-list = `organizations` must be a list, found { $found }
registry-orgs-not-a-list-hint = write one `- id: …` entry per organization
registry-no-orgs = the registry has no `organizations`
registry-no-orgs-hint = add `organizations:` with one `- id: …` entry per organization
registry-unknown-rule = unknown rule `{ $key }` in `rules.severity`
registry-unknown-rule-did-you-mean = did you mean `{ $best }`?
registry-unknown-rule-ids = rule ids: { $ids }
registry-guard-severity = `{ $key }` protects other organizations' pages and secrets: its severity stays `error`
registry-guard-severity-hint = remove `{ $key }` from `rules.severity`; the publisher refuses such posts in any case
registry-bad-severity = the severity of `{ $key }` must be error, warning or off
registry-bad-severity-hint = write `error`, `warning` or `off`
registry-no-required = the organization has no `required`
registry-no-required-hint = write `required: true` for Appendix 2 of the decree, `required: false` for Appendix 3
registry-bad-org-id = `{ $id }` is not a valid organization id
registry-bad-org-id-hint = use lowercase latin letters, digits and '-', e.g. school-krapivino; it is the folder name under plans/
registry-bad-gospubliki = `gospubliki` must be connected, requested or not-connected, not `{ $value }`
registry-bad-gospubliki-hint = write one of: connected, requested, not-connected
registry-bad-moderation = `moderation` must be delete, hold, report or off, not `{ $value }`
registry-bad-moderation-hint = write one of: { $values }. `report` (the default) removes nothing and tells the responsible; `hold` removes only the certain cases; `delete` also removes the likely ones
registry-unknown-network = unknown network `{ $key }` in `pages`
registry-unknown-network-hint = pages are keyed by vk, ok or telegram
# $network is VK, OK or Telegram.
registry-bad-page-id = `{ $id }` is not a valid { $network } id
registry-bad-page-id-hint-vk = a VK community id is a positive number, e.g. 200000001 (from vk.com/club200000001)
registry-bad-page-id-hint-ok = an OK group id is a number, e.g. "70000000000001"
registry-bad-page-id-hint-telegram = a Telegram channel is "@name" or a numeric chat id like -1001234567890

## Reading the repository's files.

# $reason is io-error (errors.ftl).
file-io = cannot read the file: { $reason }
file-io-hint = check the file's permissions
file-not-regular = it is not a regular file (a pipe, a device or a folder)
file-outside = it is a link to a file outside the repository
file-too-large = the file is larger than { $kib } KiB
# $reason is file-not-regular or file-outside.
file-refused = vestnik does not read this file: { $reason }
file-refused-hint = put the post itself in this place, as an ordinary file; links and special files are not read
# $reason is file-too-large.
file-plan-too-large = { $reason }; a plan never is
file-plan-too-large-hint = split the plan into monthly files, and keep pictures under media/, not in plans/
file-not-utf8 = the file is not UTF-8 text (binary data or another encoding such as Windows-1251)
file-not-utf8-hint = save the file as UTF-8 in your editor; pictures belong under media/
file-not-utf8-short = the file is not UTF-8 text

## Dates, weeks and time zones.

date-unparseable = `{ $text }` is not a date and time vestnik understands
date-unparseable-hint = write local time as 2026-12-01 09:00, or RFC 3339 with an offset: 2026-12-01T09:00:00+07:00
date-no-time = `{ $text }` has a date but no time of day
date-no-time-hint = add the time of publication, e.g. 2026-12-01 09:00
date-nonexistent = { $text } does not exist or is ambiguous in time zone { $zone }
date-nonexistent-hint = the clocks change at that time; pick a time an hour earlier or later
date-bad-zone = `{ $name }` is not an IANA time zone
date-not-a-week = `{ $text }` is not an ISO week; write it like 2026-W49
date-no-such-week = { $year } has no week { $week }
