<?php
/**
 * Writes the Jed JSON files wp_set_script_translations() loads:
 * languages/{domain}-{locale}-{md5(script path)}.json, one per script, with
 * the translations of the strings that script uses (from the .po references).
 *
 * Usage: php make-json.php path/to/gatekeeper-vi.po vi assets/editor.js [...]
 */
if ( $argc < 4 ) {
	fwrite( STDERR, "usage: make-json.php PO LOCALE SCRIPT...\n" );
	exit( 2 );
}
$po_file = $argv[1];
$locale  = $argv[2];
$scripts = array_slice( $argv, 3 );

/** Parses a .po file into entries: ctx, id, plural, strs[], refs[], flags[]. */
function parse_po( string $file ): array {
	$entries = array();
	$e       = null;
	$last    = null;
	$flush   = static function () use ( &$e, &$entries ) {
		if ( null !== $e && isset( $e['id'] ) ) {
			$entries[] = $e;
		}
		$e = null;
	};
	foreach ( file( $file, FILE_IGNORE_NEW_LINES ) as $line ) {
		if ( '' === trim( $line ) ) {
			$flush();
			continue;
		}
		if ( null === $e ) {
			$e = array( 'ctx' => null, 'plural' => null, 'strs' => array(), 'refs' => array(), 'flags' => array() );
		}
		if ( str_starts_with( $line, '#:' ) ) {
			foreach ( preg_split( '/\s+/', trim( substr( $line, 2 ) ) ) as $ref ) {
				$e['refs'][] = preg_replace( '/:\d+$/', '', $ref );
			}
			continue;
		}
		if ( str_starts_with( $line, '#,' ) ) {
			$e['flags'] = array_merge( $e['flags'], array_map( 'trim', explode( ',', substr( $line, 2 ) ) ) );
			continue;
		}
		if ( str_starts_with( $line, '#' ) ) {
			continue;
		}
		if ( preg_match( '/^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$/', $line, $m ) ) {
			$val = stripcslashes( substr( $m[3], 1, -1 ) );
			switch ( true ) {
				case 'msgctxt' === $m[1]:
					$e['ctx'] = $val;
					$last     = array( 'ctx' );
					break;
				case 'msgid' === $m[1]:
					$e['id'] = $val;
					$last    = array( 'id' );
					break;
				case 'msgid_plural' === $m[1]:
					$e['plural'] = $val;
					$last        = array( 'plural' );
					break;
				default:
					$i               = '' !== ( $m[2] ?? '' ) ? (int) $m[2] : 0;
					$e['strs'][ $i ] = $val;
					$last            = array( 'strs', $i );
			}
			continue;
		}
		if ( preg_match( '/^"(.*)"$/', $line, $m ) && null !== $last ) {
			$val = stripcslashes( $m[1] );
			if ( 'strs' === $last[0] ) {
				$e['strs'][ $last[1] ] .= $val;
			} else {
				$e[ $last[0] ] .= $val;
			}
		}
	}
	$flush();
	return $entries;
}

$entries = parse_po( $po_file );
$header  = array();
foreach ( $entries as $e ) {
	if ( '' === $e['id'] ) {
		foreach ( explode( "\n", $e['strs'][0] ?? '' ) as $h ) {
			if ( str_contains( $h, ':' ) ) {
				list( $k, $v ) = array_map( 'trim', explode( ':', $h, 2 ) );
				$header[ strtolower( $k ) ] = $v;
			}
		}
	}
}
$dir = dirname( $po_file );
foreach ( $scripts as $script ) {
	$messages = array(
		'' => array(
			'domain'       => 'messages',
			'lang'         => $locale,
			'plural-forms' => $header['plural-forms'] ?? 'nplurals=1; plural=0;',
		),
	);
	foreach ( $entries as $e ) {
		if ( '' === $e['id'] || ! in_array( $script, $e['refs'], true ) || in_array( 'fuzzy', $e['flags'], true ) ) {
			continue;
		}
		$key              = ( null !== $e['ctx'] ? $e['ctx'] . "\4" : '' ) . $e['id'];
		ksort( $e['strs'] );
		$messages[ $key ] = array_values( $e['strs'] );
	}
	$json = array(
		'translation-revision-date' => $header['po-revision-date'] ?? '',
		'generator'                 => 'gatekeeper/bin/make-json.php',
		'domain'                    => 'messages',
		'locale_data'               => array( 'messages' => $messages ),
	);
	$out = $dir . '/gatekeeper-' . $locale . '-' . md5( $script ) . '.json';
	file_put_contents( $out, json_encode( $json, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_PRETTY_PRINT ) . "\n" );
	printf( "i18n: %s (%s, %d strings)\n", basename( $out ), $script, count( $messages ) - 1 );
}
