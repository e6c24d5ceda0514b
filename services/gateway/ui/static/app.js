// Ruche workspace: the little JavaScript the pages need (no inline script:
// the Content-Security-Policy allows only this file and htmx).
"use strict";
(() => {
  const csrf = () => {
    const m = document.cookie.match(/(?:^|;\s*)ruche_csrf=([^;]*)/);
    return m ? decodeURIComponent(m[1]) : "";
  };
  // Every htmx request carries the session's CSRF token (double submit).
  document.addEventListener("htmx:configRequest", (ev) => {
    ev.detail.headers["X-Csrf-Token"] = csrf();
  });
  // A refused or failed request says why in the live region.
  const toast = (text) => {
    const t = document.getElementById("toast");
    if (!t) return;
    t.textContent = text;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { t.textContent = ""; }, 6000);
  };
  document.addEventListener("htmx:responseError", (ev) => {
    toast(ev.detail.xhr.responseText || ev.detail.xhr.statusText);
  });
  document.addEventListener("htmx:sendError", () => toast("network error / erreur réseau"));

  // Theme: the system's unless chosen; the choice is a cookie so the
  // server renders it without a flash.
  document.addEventListener("click", (ev) => {
    if (!ev.target.closest("#theme-toggle")) return;
    const root = document.documentElement;
    const dark = root.dataset.theme ? root.dataset.theme === "dark" : matchMedia("(prefers-color-scheme: dark)").matches;
    root.dataset.theme = dark ? "light" : "dark";
    document.cookie = "ruche_theme=" + root.dataset.theme + "; path=/; max-age=31536000; samesite=lax";
  });

  window.ruche = { csrf, toast };
})();
