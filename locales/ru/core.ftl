# Тексты командной строки vestnik, не относящиеся к одному правилу: уровни замечаний и итог
# проверки. У каждого сообщения здесь есть двойник с теми же переменными в locales/en/core.ftl.

severity-error = ошибка
severity-warning = предупреждение
hint = подсказка

check-verdict-passed = пройдена
check-verdict-failed = не пройдена
# Итоговая строка `vestnik check`. $verdict — check-verdict-passed или -failed.
check-summary = Проверка { $verdict }: { $errors ->
        [one] { $errors } ошибка
        [few] { $errors } ошибки
       *[other] { $errors } ошибок
    }, { $warnings ->
        [one] { $warnings } предупреждение
        [few] { $warnings } предупреждения
       *[other] { $warnings } предупреждений
    } в { $files ->
        [one] { $files } файле
       *[other] { $files } файлах
    }: { $posts ->
        [one] { $posts } публикация
        [few] { $posts } публикации
       *[other] { $posts } публикаций
    }, { $organizations ->
        [one] { $organizations } организация
        [few] { $organizations } организации
       *[other] { $organizations } организаций
    }; недели { $from }..{ $to }, сегодня { $today }

# Даты для людей: «пн 7 декабря, 10:00», с годом — «пн 7 декабря 2026, 10:00». $weekday — 1
# (понедельник) … 7, $month — 1 … 12.
date-weekday = { $weekday ->
        [1] пн
        [2] вт
        [3] ср
        [4] чт
        [5] пт
        [6] сб
       *[7] вс
    }
date-month = { $month ->
        [1] января
        [2] февраля
        [3] марта
        [4] апреля
        [5] мая
        [6] июня
        [7] июля
        [8] августа
        [9] сентября
        [10] октября
        [11] ноября
       *[12] декабря
    }
date-short = { $weekday } { $day } { $month }, { $time }
date-long = { $weekday } { $day } { $month } { $year }, { $time }

network-name-vk = ВКонтакте
network-name-ok = Одноклассники
network-name-telegram = Телеграм
