"""Keyboard and presentation-clicker control: which key does what, as plain data.

A presentation clicker is a keyboard to the browser: its two big buttons send PageDown and PageUp
(some models send the arrow keys), and a teacher at a laptop uses the arrows, Space and Home. On Decode
the stepper (explorer/ui/decode/stepper.js) takes them itself (`STEPPER_KEYS`): a key moves the step
in the browser as its button does. Elsewhere (a lesson's Next and Back) the keyboard component
(explorer/ui/common/keyboard.js, mounted by explorer.ui.common.components.keyboard) listens on the page's
document and, for a key bound on that page, clicks the page's own button for its action: a key does
exactly what the button does, and a disabled button stays disabled.

While a lesson runs, the clicker's keys (`CLICKER_KEYS`: PageDown, PageUp) are the lesson's Next and Back on
every page, Decode's too: there the stepper leaves them (`stepper_keys`) and keeps the arrows, Space, Home and
End. Space on Decode plays or pauses whatever was clicked last (`STEPPER_FOCUS`: a focused button or link does
not keep it; a checkbox, radio, text box, slider or list does). In presentation mode no key scrolls the page
(explorer/ui/shell/presentation.js, `SCROLL_KEYS`): a clicker's extra PageDown never carries the frame away.

It never takes a key the focused element uses itself (`LEFT_TO_THE_FOCUS`): nothing while the user
types in a text box (input, textarea, select, contenteditable) or works a slider, list or menu; not the
arrows, Home or Space in a radio group or a tab list (they move its choice; PageDown and PageUp still
step, so the clicker works right after a scorer is picked); not Space on a button, link or checkbox
(Space presses it). Nor a key with a modifier held (Alt+← is the browser's Back), a key held down
(its repeats), or a key something else handled already.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from explorer.i18n import N_

FORWARD, BACK, PLAY, RESET, END = "forward", "back", "play", "reset", "end"
ACTIONS = (FORWARD, BACK, PLAY, RESET)

# The browser's KeyboardEvent.key -> the action it asks for.
KEY_ACTIONS = {
    "ArrowRight": FORWARD,
    "PageDown": FORWARD,
    "ArrowLeft": BACK,
    "PageUp": BACK,
    " ": PLAY,  # Space
    "Home": RESET,
}

# The Decode stepper's keys (stepper.js): the same, and End for the last step.
STEPPER_KEYS = {**KEY_ACTIONS, "End": END}

# A presentation clicker's two buttons: while a lesson runs they move the lesson on every page.
CLICKER_KEYS = ("PageDown", "PageUp")
# The keys a browser scrolls the page with: none of them does in presentation mode (presentation.js).
SCROLL_KEYS = (" ", "PageDown", "PageUp", "ArrowDown", "ArrowUp", "ArrowLeft", "ArrowRight", "Home", "End")

# The legend under each page's controls (English, marked; shown as _(LEGEND)): the page's keys only.
DECODE_LEGEND = N_(
    "Keys and clicker: → or PageDown Step · ← or PageUp Back · Space Play/Pause · Home Reset (not while typing)"
)
LESSON_LEGEND = N_("Keys and clicker: → or PageDown Next · ← or PageUp Back (not while typing)")
# On a lesson's Decode step: the stepper's keys, and the clicker's (the lesson's).
DECODE_LESSON_LEGEND = N_("Keys: → Step · ← Back · Space Play/Pause · Home Reset (not while typing)")
LESSON_CLICKER_LEGEND = N_("Clicker: PageDown Next · PageUp Back (the lesson's steps)")


def stepper_keys(lesson: bool = False) -> dict[str, str]:
    """The Decode stepper's keys: STEPPER_KEYS, less the clicker's while a lesson runs (they are its Next and Back)."""
    return {key: action for key, action in STEPPER_KEYS.items() if not (lesson and key in CLICKER_KEYS)}


def bindings(buttons: Mapping[str, str], only: Collection[str] | None = None) -> dict[str, str]:
    """KeyboardEvent.key -> the widget key of the button it clicks, for the actions a page has.

    buttons: action (one of ACTIONS) -> the widget key of the page's button for it; a key whose
    action the page has no button for is left out (the browser keeps its own use of it: Space
    scrolls the Lessons page). only: the keys to bind (None: all; CLICKER_KEYS on a lesson's Decode
    step, whose other keys are the stepper's). Raises ValueError for an action that is none of ACTIONS.
    """
    unknown = set(buttons) - set(ACTIONS)
    if unknown:
        raise ValueError(f"unknown keyboard actions {sorted(unknown)}; known: {ACTIONS}")
    return {
        key: buttons[action]
        for key, action in KEY_ACTIONS.items()
        if action in buttons and (only is None or key in only)
    }


# What the focused element keeps for itself: a CSS selector -> the keys (KeyboardEvent.key) the keyboard
# control leaves to an element matching it, or to anything inside one (keyboard.js checks the event's
# whole path). "*" is every key. Plain data, so this list is where the rules are read and tested.
ALL_KEYS = ("*",)
BUTTONS = (
    "button, a[href], summary, [role='button'], [role='link'], "
    "input[type='button'], input[type='submit'], input[type='reset'], input[type='image']"
)
LEFT_TO_THE_FOCUS = {
    # text boxes: typing, the caret (← → Home), Space
    "textarea, select, [contenteditable]:not([contenteditable='false']), "
    "input:not([type='checkbox']):not([type='radio']):not([type='button']):not([type='submit'])"
    ":not([type='reset']):not([type='image']), "
    "[role='textbox'], [role='searchbox'], [role='combobox'], [role='spinbutton']": ALL_KEYS,
    # widgets that move their own value with every one of these keys (a slider's PageUp is a large step)
    "[role='slider'], [role='listbox'], [role='option'], [role='grid'], [role='menu'], "
    "[role='menuitem'], [role='menuitemradio'], [role='menuitemcheckbox'], [role='tree'], [role='treeitem']": ALL_KEYS,
    # radio groups and tab lists: ← → Home move the choice, Space picks
    "input[type='radio'], [role='radio'], [role='radiogroup'], [role='tab'], [role='tablist']": (
        "ArrowRight",
        "ArrowLeft",
        "Home",
        " ",
    ),
    # what Space presses: a button or link (on Decode Space is Play/Pause there: STEPPER_FOCUS), a checkbox
    BUTTONS: (" ",),
    "input, [role='checkbox'], [role='switch']": (" ",),
}


# The Decode stepper's rules: Space plays or pauses whatever was clicked last (Step, Reset, a lesson's Next, any
# button or link: Enter presses a focused button), so buttons keep no key from it; a checkbox, a switch and a
# radio keep Space (it is how a keyboard ticks them), text boxes, sliders and lists every key.
STEPPER_FOCUS = {selector: kept for selector, kept in LEFT_TO_THE_FOCUS.items() if selector != BUTTONS}
