# `vestnik preview`: what each network will receive (text and HTML). Each message has a twin with
# the same variables in locales/ru/preview.ftl.
