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

## Проход модерации (`vestnik moderate`, задание jobs.moderate), журнал и восстановление.

moderation-line = №{ $id } { $action ->
    [deleted] удалён
   *[reported] оставлен, ответственному сообщено
} · { $network } · { $category ->
    [obscene] мат
    [insult] оскорбление
   *[spam] спам
} ({ $rule }): «{ $excerpt }»
moderation-not-deleted = Удалить не вышло: { $why }
moderation-too-old = Телеграм даёт удалить сообщение только в первые 48 часов, а это старше. Удалите его вручную, если нужно.
moderation-no-client = для этой сети в настройках нет токена
moderation-edited-again = автор снова изменил комментарий, пока его проверяли
moderation-alert = МОДЕРАЦИЯ КОММЕНТАРИЕВ: { $deleted } { $deleted ->
    [one] удалён
    [few] удалены
   *[other] удалено
}, { $reported } { $reported ->
    [one] ждёт
    [few] ждут
   *[other] ждут
} вашего решения.
moderation-alert-more = …и ещё { $n }: весь список покажет `vestnik moderation log`.
moderation-alert-hint = Ошибочно удалённый комментарий во ВКонтакте возвращает `vestnik moderation restore <номер>`. Оставленные посмотрите сами: удалить или ответить.
moderation-updates-failed = Новые комментарии из Телеграма не получены: { $error }
moderation-page-failed = { $page }: комментарии не прочитаны: { $why }
moderation-summary = Проверено комментариев: { $judged }. Удалено: { $deleted }, оставлено для ответственного: { $reported }.
moderation-summary-dry = Пробный проход, ничего не изменено. Проверено комментариев: { $judged }. Было бы удалено: { $deleted }, оставлено для ответственного: { $reported }.
moderation-restored-mark = (возвращён { $at }, { $by })
moderation-log-empty = В журнале модерации пока пусто.
moderation-restored = Комментарий №{ $id } возвращён на страницу: «{ $excerpt }»
moderation-restore-no-such = В журнале модерации нет записи №{ $id }. Номера показывает `vestnik moderation log`.
moderation-restore-not-deleted = Запись №{ $id } — сообщение ответственному, комментарий не удаляли: возвращать нечего.
moderation-restore-already = Комментарий из записи №{ $id } уже возвращён.
moderation-restore-impossible = { $network } не даёт вернуть удалённый комментарий. Попросите автора написать его снова.
moderation-restore-no-client = Чтобы вернуть комментарий, в настройках нужен токен сети { $network }.
