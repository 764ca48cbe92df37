<?php
/**
 * Plugin Name:       Gatekeeper
 * Plugin URI:        https://github.com/gatekeeper/gatekeeper
 * Description:       Kiểm tra tỉ lệ tin tiêu cực trước khi đăng: hỏi dịch vụ Gatekeeper trước mỗi bài, giữ lại bài vượt giới hạn chờ người duyệt. / Checks the negative-news share before each post goes live and holds posts that would pass the limit for a manager.
 * Version:           0.1.0
 * Requires at least: 6.1
 * Requires PHP:      8.1
 * Author:            Gatekeeper
 * License:           GPL-2.0-or-later
 * License URI:       https://www.gnu.org/licenses/gpl-2.0.html
 * Text Domain:       gatekeeper
 * Domain Path:       /languages
 *
 * @package Gatekeeper
 */

defined( 'ABSPATH' ) || exit;

define( 'GATEKEEPER_VERSION', '0.1.0' );
define( 'GATEKEEPER_FILE', __FILE__ );
define( 'GATEKEEPER_DIR', __DIR__ . '/' );

require_once GATEKEEPER_DIR . 'includes/class-settings.php';
require_once GATEKEEPER_DIR . 'includes/class-client.php';
require_once GATEKEEPER_DIR . 'includes/class-outbox.php';
require_once GATEKEEPER_DIR . 'includes/class-gate.php';
require_once GATEKEEPER_DIR . 'includes/class-evidence.php';
require_once GATEKEEPER_DIR . 'includes/class-statuses.php';
require_once GATEKEEPER_DIR . 'includes/class-rest.php';
require_once GATEKEEPER_DIR . 'includes/class-callbacks.php';
require_once GATEKEEPER_DIR . 'includes/class-review.php';
require_once GATEKEEPER_DIR . 'includes/class-sync.php';
require_once GATEKEEPER_DIR . 'includes/class-editor.php';
require_once GATEKEEPER_DIR . 'includes/class-health.php';
require_once GATEKEEPER_DIR . 'includes/class-plugin.php';

register_activation_hook( __FILE__, array( 'Gatekeeper\\Plugin', 'activate' ) );
register_deactivation_hook( __FILE__, array( 'Gatekeeper\\Plugin', 'deactivate' ) );

Gatekeeper\Plugin::boot();
