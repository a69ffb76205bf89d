"""Keyboard and presentation-clicker control: which key does what, as plain data.

A presentation clicker is a keyboard to the browser: its two big buttons send PageDown and PageUp
(some models send the arrow keys), and a teacher at a laptop uses the arrows, Space and Home. On Decode
the stepper (explorer/ui/decode/stepper.js) takes them itself (`STEPPER_KEYS`): a key moves the step
in the browser as its button does. Elsewhere (a lesson's Next and Back) the keyboard component
(explorer/ui/common/keyboard.js, mounted by explorer.ui.common.components.keyboard) listens on the page's
document and, for a key bound on that page, clicks the page's own button for its action: a key does
exactly what the button does, and a disabled button stays disabled.

It never takes a key the focused element uses itself (`LEFT_TO_THE_FOCUS`): nothing while the user
types in a text box (input, textarea, select, contenteditable) or works a slider, list or menu; not the
arrows, Home or Space in a radio group or a tab list (they move its choice; PageDown and PageUp still
step, so the clicker works right after a scorer is picked); not Space on a button, link or checkbox
(Space presses it). Nor a key with a modifier held (Alt+← is the browser's Back), a key held down
(its repeats), or a key something else handled already.
"""

from __future__ import annotations

from collections.abc import Mapping

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

# The legend under each page's controls (English, marked; shown as _(LEGEND)): the page's keys only.
DECODE_LEGEND = N_(
    "Keys and clicker: → or PageDown Step · ← or PageUp Back · Space Play/Pause · Home Reset (not while typing)"
)
LESSON_LEGEND = N_("Keys and clicker: → or PageDown Next · ← or PageUp Back (not while typing)")


def bindings(buttons: Mapping[str, str]) -> dict[str, str]:
    """KeyboardEvent.key -> the widget key of the button it clicks, for the actions a page has.

    buttons: action (one of ACTIONS) -> the widget key of the page's button for it; a key whose
    action the page has no button for is left out (the browser keeps its own use of it: Space
    scrolls the Lessons page). Raises ValueError for an action that is none of ACTIONS.
    """
    unknown = set(buttons) - set(ACTIONS)
    if unknown:
        raise ValueError(f"unknown keyboard actions {sorted(unknown)}; known: {ACTIONS}")
    return {key: buttons[action] for key, action in KEY_ACTIONS.items() if action in buttons}


# What the focused element keeps for itself: a CSS selector -> the keys (KeyboardEvent.key) the keyboard
# control leaves to an element matching it, or to anything inside one (keyboard.js checks the event's
# whole path). "*" is every key. Plain data, so this list is where the rules are read and tested.
ALL_KEYS = ("*",)
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
    # what Space presses
    "button, a[href], summary, input, [role='button'], [role='link'], [role='checkbox'], [role='switch']": (" ",),
}
