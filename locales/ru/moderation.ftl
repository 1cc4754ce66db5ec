# Модерация комментариев: правила и вывод `vestnik moderation classify`.

moderation-rules-invalid = правила модерации записаны с ошибкой: { $error }
moderation-bad-pattern = образец { $what } не прочитать
moderation-bad-pattern-hint = в образце бывают буквы, цифры, пробел между словами, `*`, `[абв]`, `(а|б)` и `?`
moderation-bad-value = значение «{ $value }» здесь не подходит, можно: { $allowed }
moderation-nothing-to-match = правилу модерации `{ $rule }` нечего искать
moderation-nothing-to-match-hint = добавьте `words: ["корень*"]` или `detector: link`
moderation-verdict-keep = оставить
moderation-verdict-hold = на проверку
moderation-verdict-delete = удалить
moderation-category-obscene = мат
moderation-category-insult = оскорбление
moderation-category-spam = спам
moderation-human-line = { $verdict }: { $text }
moderation-human-reason = { "  " }{ $category } «{ $found }» (правило { $rule })
moderation-line-not-utf8 = строка { $line } не в кодировке UTF-8
moderation-line-too-long = строка { $line } длиннее { $max } байт: проверены только первые { $max }
moderation-stdin = не удалось прочитать ввод: { $error }
