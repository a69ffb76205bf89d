"""Guided lessons as data: TOML files of steps, each a text, a view in share-link terms and an optional question.

One job a module:

- `schema`: the lesson file's form (its docstring shows a file), the dataclasses it is read into, the
  names, kinds and limits it may use;
- `rules`: what a view's numbers and a claim's values may be, each problem said in words;
- `lines`: the line numbers of a file's headers and keys, for its problems;
- `reader`: `read(path)`, one file into a Lesson, or a LessonError with every problem's file and line;
- `listing`: which lessons exist (lessons/ and $ATTENTION_EXPLORER_LESSONS), the catalog by id;
- `check`, `controls`, `texts`, `placeholders`, `values`, `measure`: the checker, and what it measures
  on the models; `player`: the Lessons page's logic; `__main__`: ``python -m explorer.lessons check``.

Nothing in a lesson is executed or rendered as HTML: texts are Markdown (Streamlit escapes HTML in
it), a view is validated exactly as a share link is, and models are only looked up by name.
`python -m explorer.lessons check FILE…` reports every problem with its file and line.

The names below are the package's face (``from explorer import lessons; lessons.read(path)``); the
modules import from each other directly.
"""

from explorer.lessons.listing import LESSONS_ENV, SHIPPED_DIR, catalog, lesson_files
from explorer.lessons.reader import MAX_FILE_BYTES, read
from explorer.lessons.schema import PAGES, TRANSLATED_LANGUAGES, Lesson, LessonError, Step

__all__ = [
    "LESSONS_ENV",
    "MAX_FILE_BYTES",
    "PAGES",
    "SHIPPED_DIR",
    "TRANSLATED_LANGUAGES",
    "Lesson",
    "LessonError",
    "Step",
    "catalog",
    "lesson_files",
    "read",
]
