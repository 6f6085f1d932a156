// The bearer token of Plank's own pages (the test page and the admin page): kept in this tab's sessionStorage only,
// never in a URL, shared by both pages (same origin). PlankToken.get() for requests and plank.js; bindForm wires a
// page's token form (#token, #token-form, #token-forget) and calls changed() after each change.
window.PlankToken = (() => {
    const KEY = 'plank.token';

    function get() {
        try {
            return sessionStorage.getItem(KEY) || null;
        } catch (e) {
            return null; // storage refused (privacy settings): no token
        }
    }

    function set(value) {
        try {
            if (value) sessionStorage.setItem(KEY, value);
            else sessionStorage.removeItem(KEY);
        } catch (e) {
            // kept nowhere: the next page load starts without it
        }
    }

    function bindForm(changed) {
        const $ = id => document.getElementById(id);
        $('token').value = get() || '';
        $('token-form').onsubmit = event => {
            event.preventDefault();
            set($('token').value.trim().replace(/^Bearer\s+/i, ''));
            changed();
        };
        $('token-forget').onclick = () => {
            $('token').value = '';
            set(null);
            changed();
        };
    }

    return {get, bindForm};
})();
