# Findings of the rules of `vestnik check`.
