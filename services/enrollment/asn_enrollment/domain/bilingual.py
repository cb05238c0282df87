"""User-facing text is Indonesian first, English second (docs/domain.md); one format everywhere."""


def bilingual(indonesian: str, english: str) -> str:
    return f"{indonesian} ({english})"
