# Что команды печатают для людей, кроме `check`: строки прохода публикации и `status`.
# Двойники с теми же переменными — в locales/en/cli.ftl.

pass-skipped = пропущен файл { $file }: { $why }
pass-missed = пропущено: { $what }
pass-edited = изменено после публикации, заново не публикуем: { $what }
pass-published = опубликовано: { $what }, { $id }
pass-retry = повторим { $what }: { $at }
pass-retry-why = повторим { $what }: { $at }. Почему: { $why }
pass-needs-person = НУЖЕН ЧЕЛОВЕК: { $what }. { $why }
pass-summary = Публикация: { $published ->
        [one] вышла { $published } публикация
        [few] вышли { $published } публикации
       *[other] вышло { $published } публикаций
    }, повторим позже: { $retry }, не удалось: { $failed }, неизвестно: { $uncertain }, пропущено: { $missed }
pass-alerts = оповещения: отправлено { $sent }, ждут { $waiting }

state-scheduled = запланировано
state-sending = отправляется
state-published = опубликовано
state-failed = не удалось
state-uncertain = неизвестно, вышло ли
state-missed = пропущено
state-cancelled = отменено
status-count = { $state }: { $count }
status-why = почему: { $why }
status-first = впервые: { $since }
status-when = когда: { $since }
status-next = следующая попытка: { $at }
status-none = нет
status-summary = Публикаций: { $total } ({ $counts }); неотправленных оповещений: { $alerts }

resolve-resend = { $what }: отправим заново при следующем проходе
resolve-published = { $what }: отмечено как опубликованное

sandbox-intro = Песочница vestnik: эмуляторы VK, OK и Telegram на этой машине; настоящие сети не затрагиваются
sandbox-outro = (это только тестовые ключи эмуляторов; настоящие ключи в командной строке не пишут)
demo-published = [{ $at }] опубликовано: { $what }, { $id } ({ $late })
demo-late-none = в срок
demo-late-seconds = опоздание { $n } с
demo-late-minutes = опоздание { $n } мин
demo-held = Что теперь лежит в эмуляторах:
demo-count = { $count } { $messages ->
        [yes] { $count ->
            [one] сообщение
            [few] сообщения
           *[other] сообщений
        }
       *[no] { $count ->
            [one] пост
            [few] поста
           *[other] постов
        }
    }
