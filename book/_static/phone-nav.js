/* Course fix for the phone navigation (remove when upstream is fixed).
 *
 * pydata-sphinx-theme 0.17.1 adds its own ".primary-toggle" button to the header and
 * wires the mobile sidebar dialog to the FIRST ".primary-toggle" in the page only
 * (document.querySelector). sphinx-book-theme 1.3.0 renders a second one, in the
 * article header, and that is the only one visible at phone width: pressing it shows
 * its tooltip and the sidebar stays off-screen (pydata-sphinx-theme #2451,
 * sphinx-book-theme #988). Same for ".secondary-toggle".
 *
 * Fix: every other toggle of a kind forwards its click to the first one, which has the
 * theme's handlers (the dialog on narrow screens, sphinx-book-theme's collapse on wide
 * ones). Chosen over pinning older themes: jupyter-book 1.0.4 accepts any
 * sphinx-book-theme 1.x, and the pair 0.15/1.1 has its own toggle bugs (#1875, #865).
 */
(function () {
  function forward(selector) {
    var toggles = document.querySelectorAll(selector);
    for (var i = 1; i < toggles.length; i++) {
      toggles[i].addEventListener("click", function (event) {
        event.preventDefault();
        event.stopPropagation();
        this.blur();
        toggles[0].click();
      });
    }
  }
  function setup() {
    forward(".primary-toggle");
    forward(".secondary-toggle");
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
