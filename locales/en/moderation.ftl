# Moderation of comments: the rules and the output of `vestnik moderation classify`.

moderation-rules-invalid = the moderation rules cannot be read: { $error }
moderation-bad-pattern = pattern { $what } cannot be read
moderation-bad-pattern-hint = a pattern holds letters, digits, a space between words, `*`, `[abc]`, `(a|b)` and `?`
moderation-bad-value = the value “{ $value }” does not fit here; allowed: { $allowed }
moderation-nothing-to-match = moderation rule `{ $rule }` has nothing to look for
moderation-nothing-to-match-hint = add `words: ["root*"]` or `detector: link`
moderation-verdict-keep = keep
moderation-verdict-hold = hold
moderation-verdict-delete = delete
moderation-category-obscene = obscene
moderation-category-insult = insult
moderation-category-spam = spam
moderation-human-line = { $verdict }: { $text }
moderation-human-reason = { "  " }{ $category } “{ $found }” (rule { $rule })
moderation-line-not-utf8 = line { $line } is not UTF-8
moderation-line-too-long = line { $line } is longer than { $max } bytes: only the first { $max } were classified
moderation-stdin = cannot read the input: { $error }
