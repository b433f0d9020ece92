/* Kuwwa counter: keyboard-first helpers for the htmx counter screens.
 *
 * No inline scripts anywhere (a strict Content-Security-Policy comes later): everything is
 * wired here through data-* attributes. Money is handled as BigInt minor units, the way
 * kuwwa.core.money parses and formats it, never as a float.
 *
 * Keys: Enter submits (plain forms), Escape clears the result / closes the override form,
 * F2 goes back to the search box, F4 prints the last receipt.
 */
(function () {
  "use strict";

  var ARABIC = "٠١٢٣٤٥٦٧٨٩";
  var PERSIAN = "۰۱۲۳۴۵۶۷۸۹";

  function latin(text) {
    return String(text || "").replace(/[٠-٩۰-۹]/g, function (c) {
      var i = ARABIC.indexOf(c);
      return String(i >= 0 ? i : PERSIAN.indexOf(c));
    });
  }

  function arabic(text) {
    return String(text).replace(/[0-9]/g, function (d) { return ARABIC[Number(d)]; });
  }

  function settings() {
    var root = document.querySelector(".counter") || document.body;
    var lang = (document.documentElement.lang || "ar").slice(0, 2) === "en" ? "en" : "ar";
    return {
      lang: lang,
      exponent: Number(root.dataset.exponent || "2"),
      symbolAr: root.dataset.symbolAr || "",
      symbolEn: root.dataset.symbolEn || "",
      shortLabel: root.dataset.shortLabel || "",
      home: root.dataset.home || "/counter/"
    };
  }

  /* What parse_amount accepts → BigInt minor units; null when it would refuse the text. */
  function parseMinor(text, exponent) {
    var s = latin(text).trim();
    s = s.replace("ل.س", "").replace(/syp/i, "");
    s = s.replace(/٫/g, ".").replace(/[٬,\s\u00a0\u202f]/g, "");
    if (!s || s === "." || !/^\d*\.?\d*$/.test(s)) { return null; }
    var parts = s.split(".");
    var fraction = parts[1] || "";
    if (fraction.length > exponent) { return null; }
    while (fraction.length < exponent) { fraction += "0"; }
    var digits = ((parts[0] || "0") + fraction).replace(/^0+(?=\d)/, "");
    if (digits.length > 16) { return null; }
    return BigInt(digits);
  }

  function group(digits, separator) {
    var out = "";
    while (digits.length > 3) {
      out = separator + digits.slice(-3) + out;
      digits = digits.slice(0, -3);
    }
    return digits + out;
  }

  /* The same text as kuwwa.core.money.format_amount. */
  function formatMinor(minor, cfg) {
    var negative = minor < 0n;
    var abs = negative ? -minor : minor;
    var factor = 10n ** BigInt(cfg.exponent);
    var major = (abs / factor).toString();
    var rest = abs % factor;
    var fraction = rest !== 0n && cfg.exponent ? rest.toString().padStart(cfg.exponent, "0") : "";
    if (cfg.lang === "ar") {
      var number = arabic(group(major, "٬") + (fraction ? "٫" + fraction : ""));
      return (negative ? "\u061c-" : "") + number + " " + cfg.symbolAr;
    }
    return cfg.symbolEn + " " + (negative ? "-" : "") + group(major, ",") +
      (fraction ? "." + fraction : "");
  }

  /* The confirm form: change = cash received − amount, live. */
  function updateChange(form) {
    var out = form.querySelector("#pay-change");
    if (!out) { return; }
    var cfg = settings();
    var checked = form.querySelector("input[name=tender]:checked");
    var cash = !checked || checked.value === "cash";
    form.querySelectorAll("[data-cash-only]").forEach(function (el) { el.hidden = !cash; });
    var amount = parseMinor(form.elements.amount.value, cfg.exponent);
    var text = form.elements.tendered.value;
    out.classList.remove("is-short");
    if (amount === null) { out.value = "—"; return; }
    if (!text.trim()) { out.value = formatMinor(0n, cfg); return; }
    var tendered = parseMinor(text, cfg.exponent);
    if (tendered === null) { out.value = "—"; return; }
    var change = tendered - amount;
    if (change < 0n) {
      out.value = cfg.shortLabel + " " + formatMinor(-change, cfg);
      out.classList.add("is-short");
    } else {
      out.value = formatMinor(change, cfg);
    }
  }

  /* A count by denomination: subtotal per note and the total counted, live. */
  function updateCount(fieldset) {
    var cfg = settings();
    var total = 0n;
    fieldset.querySelectorAll("input[data-face]").forEach(function (input) {
      var cell = input.closest("tr").querySelector("[data-subtotal]");
      var pieces = latin(input.value).trim();
      if (/^\d{1,7}$/.test(pieces)) {
        var sub = BigInt(input.dataset.face) * BigInt(pieces);
        total += sub;
        if (cell) { cell.textContent = sub ? formatMinor(sub, cfg) : ""; }
      } else if (cell) {
        cell.textContent = pieces ? "—" : "";
      }
    });
    var out = fieldset.querySelector("[data-count-total]");
    if (out) { out.value = formatMinor(total, cfg); }
  }

  function find(elt, selector) {
    if (!elt || !elt.querySelector) { return null; }
    return elt.matches(selector) ? elt : elt.querySelector(selector);
  }

  function searchBox() { return document.getElementById("q"); }

  function backToSearch(clear) {
    var q = searchBox();
    if (!q) { return false; }
    if (clear) { q.value = ""; }
    q.focus();
    q.select();
    return true;
  }

  /* Print the 80 mm receipt without leaving the counter: the HTML is fetched and written
   * into a hidden same-origin iframe (srcdoc), so X-Frame-Options: DENY on the receipt page
   * does not matter; if anything fails, the receipt opens in a new window instead. */
  function printReceipt(url) {
    var frame = document.getElementById("print-frame");
    if (!frame) {
      frame = document.createElement("iframe");
      frame.id = "print-frame";
      frame.className = "print-frame";
      frame.setAttribute("aria-hidden", "true");
      frame.tabIndex = -1;
      document.body.appendChild(frame);
    }
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        frame.onload = function () {
          frame.onload = null;
          try {
            frame.contentWindow.focus();
            frame.contentWindow.print();
          } catch (err) {
            window.open(url, "_blank", "noopener");
          }
          backToSearch(false);
        };
        frame.srcdoc = html;
      })
      .catch(function () { window.open(url, "_blank", "noopener"); });
  }

  function initialise(elt) {
    if (!elt || !elt.querySelectorAll) { return; }
    var forms = elt.matches("[data-change-form]") ? [elt] : elt.querySelectorAll("[data-change-form]");
    forms.forEach(updateChange);
    elt.querySelectorAll("[data-count]").forEach(updateCount);
    if (elt === document.body) {
      /* autofocus is not honoured after every kind of navigation: make sure */
      var first = document.querySelector("[autofocus]");
      if (first && document.activeElement === document.body) { first.focus(); }
      return;
    }
    if (find(elt, "[data-paid]")) {
      backToSearch(true);
      return;
    }
    if (elt.matches("[data-error]") && elt.closest("#result")) {
      backToSearch(false); /* selected: the next scan replaces the text */
      return;
    }
    var target = find(elt, "[aria-invalid=true]") || find(elt, "[data-autofocus]");
    if (target && !target.closest("[hidden]")) {
      target.focus();
      if (target.select) { target.select(); }
    } else if (find(elt, "[data-pay-error]")) {
      var confirm = elt.querySelector("button[type=submit]");
      if (confirm) { confirm.focus(); }
    }
  }

  document.addEventListener("htmx:load", function (event) { initialise(event.target); });

  document.addEventListener("input", function (event) {
    var form = event.target.closest("[data-change-form]");
    if (form) { updateChange(form); }
    var fieldset = event.target.closest("[data-count]");
    if (fieldset) { updateCount(fieldset); }
  });

  document.addEventListener("change", function (event) {
    var form = event.target.closest("[data-change-form]");
    if (form) {
      updateChange(form);
      if (event.target.name === "tender") {
        var tendered = form.querySelector("#pay-tendered");
        if (tendered && event.target.value === "cash") { tendered.focus(); }
      }
    }
  });

  document.addEventListener("click", function (event) {
    var printButton = event.target.closest("[data-print]");
    if (printButton) {
      event.preventDefault();
      printReceipt(printButton.dataset.print);
      return;
    }
    if (event.target.closest("[data-print-page]")) {
      event.preventDefault();
      window.print();
      return;
    }
    if (event.target.closest("[data-close-override]")) {
      event.preventDefault();
      closeOverride();
    }
  });

  function closeOverride() {
    var slot = document.getElementById("override");
    if (!slot || !slot.querySelector("[data-override]") || !slot.closest(".shift-grid")) {
      return false;
    }
    slot.innerHTML = "";
    var first = document.querySelector("[data-reverse]");
    if (first) { first.focus(); }
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      if (closeOverride()) { event.preventDefault(); return; }
      var result = document.getElementById("result");
      if (result && searchBox()) {
        result.innerHTML = "";
        backToSearch(true);
        event.preventDefault();
      }
    } else if (event.key === "F2") {
      event.preventDefault();
      if (!backToSearch(false)) { window.location.href = settings().home; }
    } else if (event.key === "F4") {
      var button = document.querySelector("[data-print]");
      if (button) {
        event.preventDefault();
        button.click();
      }
    }
  });

  /* The network or the server failed: say so in place (the payment is idempotent). */
  function showNetError(show) {
    var box = document.getElementById("net-error");
    if (box) { box.hidden = !show; }
  }
  document.addEventListener("htmx:sendError", function () { showNetError(true); });
  document.addEventListener("htmx:responseError", function () { showNetError(true); });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) { showNetError(false); }
  });
}());
