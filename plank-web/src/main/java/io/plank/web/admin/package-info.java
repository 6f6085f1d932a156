/** The switch that turns the admin API on ({@code plank.admin.enabled}); the admin page itself is static, under /admin/. */
package io.plank.web.admin;
