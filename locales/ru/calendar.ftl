# `vestnik calendar`: контент-план как календарь (ICS) и как таблица по месяцам (HTML).
# Двойники с теми же переменными — в locales/en/calendar.ftl.

calendar-title = Контент-план
calendar-draft = черновик
calendar-external = внешняя
calendar-description = { $text }

    Сети: { $networks }. Файл: { $file }
calendar-empty = В плане пока нет постов с датой.
calendar-month = { $month ->
        [1] Январь
        [2] Февраль
        [3] Март
        [4] Апрель
        [5] Май
        [6] Июнь
        [7] Июль
        [8] Август
        [9] Сентябрь
        [10] Октябрь
        [11] Ноябрь
       *[12] Декабрь
    } { $year }
calendar-week = Неделя
calendar-week-count = { $count } из { $min }
calendar-week-short = мало постов
calendar-week-all-ok = у всех не меньше { $min }
calendar-week-below = меньше { $min }:
calendar-skipped = в файле { $file } есть ошибки, его посты могут не попасть в календарь: запустите `vestnik check`
