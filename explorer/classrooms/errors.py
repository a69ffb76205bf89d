"""The errors of a live class that a user reads: each a `ClassError` whose English template is marked for translation.

`explorer.i18n.errors.message_of` shows one in the page's language; str() is the English filled in. Both stores
raise them (`raise errors.NoSuchClass()`), and `explorer.classrooms.store` re-exports them for its callers.
"""

from __future__ import annotations

from explorer.i18n import N_


class ClassError(Exception):
    """An error a user reads: ``template`` (English, marked with N_) and ``params``; str() is the English filled in."""

    TEMPLATE = ""

    def __init__(self, **params: object) -> None:
        self.template = self.TEMPLATE
        self.params = params
        super().__init__(self.template.format(**params) if params else self.template)

    def __reduce__(self):  # pickled (a session copied) with its values
        return (_error, (type(self), self.params))


def _error(cls: type[ClassError], params: dict) -> ClassError:
    return cls(**params)


# -- the room: its code, its teacher, the store that holds it -----------------------------------
class NoSuchClass(ClassError):
    """A code malformed, unknown, ended or expired, all alike (trying codes tells nothing); or not a member."""

    TEMPLATE = N_("No class is open with that code.")


class NotTeacher(ClassError):
    TEMPLATE = N_("Only the teacher can change this class.")


class StoreUnavailable(ClassError):
    """Redis cannot be reached, or answered with an error (the Redis store: its client reconnects by itself)."""

    TEMPLATE = N_("The class server cannot be reached right now; the page retries by itself.")


# -- joining a room -----------------------------------------------------------------------------
class ClassLocked(ClassError):
    """A newcomer to a locked room (its members stay, and may join again)."""

    TEMPLATE = N_("This class is locked: ask your teacher.")


class Removed(ClassError):
    """The teacher removed this member: it cannot join, answer or follow this class again."""

    TEMPLATE = N_("The teacher removed you from this class.")


class ClassFull(ClassError):
    TEMPLATE = N_("This class is full: it takes at most {limit} students.")


class Waiting(ClassError):
    """A newcomer to a class that requires approval: it waits until the teacher admits it."""

    TEMPLATE = N_("Waiting for your teacher to let you in: keep this page open.")


class WaitingRoomFull(ClassError):
    TEMPLATE = N_("This class's waiting room is full: ask your teacher.")


class CookiesNeeded(ClassError):
    """A browser that keeps no cookie for the site: its member id (the server's HttpOnly cookie) cannot come back
    with its requests, so its page could neither keep its seat after a reload nor open the class's event stream."""

    TEMPLATE = N_(
        "Joining a class needs cookies, and this browser keeps none for this site: allow cookies for it, then "
        "reload this page."
    )


class TooManyAttempts(ClassError):
    TEMPLATE = N_("Too many join attempts; try again in {seconds} s.")


class TooManyNewcomers(TooManyAttempts):
    """Past `Limits.teacher_joins`: the classes of this teacher took as many newcomers as they may in the window."""

    TEMPLATE = N_("This teacher's classes took as many newcomers as they may for now; try again in {seconds} s.")


# -- answering a question -----------------------------------------------------------------------
class QuestionClosed(ClassError):
    """An answer to a question that is not the room's current one (`AnswerRevealed`: one whose answer was revealed)."""

    TEMPLATE = N_("This question is closed.")


class AnswerRevealed(QuestionClosed):
    """An answer, first or changed, to the current question after its answer was revealed (until the reveal a
    member's later answer replaces its first)."""

    TEMPLATE = N_("The answer has been revealed: answers can no longer be given or changed.")


class BadAnswer(ClassError):
    TEMPLATE = N_("That is not one of the question's options.")


# -- the limits of a room, of a client address, of the server -----------------------------------
class TooManyQuestions(ClassError):
    TEMPLATE = N_("This class has asked as many questions as it may ({limit}).")


class TooManyClasses(ClassError):
    TEMPLATE = N_("Too many classes were started from your network; try again in {seconds} s.")


class TooManyStarts(ClassError):
    TEMPLATE = N_("This page has started too many classes; try again in {seconds} s.")


class ServerFull(ClassError):
    TEMPLATE = N_(
        "This server has as many classes open as it allows ({limit}); try again later or ask for another server."
    )
