# `vestnik preview`: что получит каждая сеть (текст и HTML). Двойники с теми же переменными — в
# locales/en/preview.ftl.
